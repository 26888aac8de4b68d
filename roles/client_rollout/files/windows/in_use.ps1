# Langkah 10: is the SIAK client running? Wait up to WaitSeconds for the operator to close it; never stop it.
param(
    [Parameter(Mandatory)][string]$ProcessName,
    [int]$WaitSeconds = 0,
    [int]$IntervalSeconds = 5
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$deadline = (Get-Date).AddSeconds($WaitSeconds)
$running = @(Get-Process -Name $ProcessName -ErrorAction SilentlyContinue | ForEach-Object { $_.Id })
while ($running.Count -gt 0 -and (Get-Date) -lt $deadline) {
    Start-Sleep -Seconds ([Math]::Max(1, $IntervalSeconds))
    $running = @(Get-Process -Name $ProcessName -ErrorAction SilentlyContinue | ForEach-Object { $_.Id })
}
$Ansible.Result = @{ in_use = $running }
