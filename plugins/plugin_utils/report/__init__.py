"""The Laporan: the run's SOP table with actual times and verdicts, its results and a signature block."""
