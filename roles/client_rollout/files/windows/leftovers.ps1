# Langkah 10, under the PC's lock: remove what a cut-off run left - unpack folders (releases\.<version>.partial*)
# and downloads cut short (.incoming\*.part) - and say what was removed, as the Linux install does (cleaned).
param(
    [Parameter(Mandatory)][string]$Root
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$gone = @()
$releases = Join-Path -Path $Root -ChildPath 'releases'
if (Test-Path -LiteralPath $releases) {
    $gone += @(Get-ChildItem -LiteralPath $releases -Directory -Force | Where-Object { $_.Name.StartsWith('.') } | ForEach-Object { $_.FullName })
}
$incoming = Join-Path -Path $Root -ChildPath '.incoming'
if (Test-Path -LiteralPath $incoming) {
    $gone += @(Get-ChildItem -LiteralPath $incoming -File -Force -Filter '*.part' | ForEach-Object { $_.FullName })
}
foreach ($path in $gone) { Remove-Item -LiteralPath $path -Recurse -Force; $Ansible.Changed = $true }
$Ansible.Result = @{ cleaned = @($gone) }
