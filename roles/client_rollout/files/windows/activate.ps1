# Langkah 10: after the shortcut switch, record the active release in state.json (written to a temporary file
# and moved over the old one) and delete releases beyond Keep, never the active or the previous one.
param(
    [Parameter(Mandatory)][string]$Root,
    [Parameter(Mandatory)][string]$Version,
    [Parameter(Mandatory)][string]$Sha256,
    [string]$Previous = '',
    [int]$Keep = 2
)
$ErrorActionPreference = 'Stop'
$stateFile = Join-Path -Path $Root -ChildPath 'state.json'
$state = @{ version = $Version; sha256 = $Sha256.ToLowerInvariant(); previous = $Previous; switched_at = (Get-Date).ToString('o') }
$old = if (Test-Path -LiteralPath $stateFile) { Get-Content -LiteralPath $stateFile -Raw | ConvertFrom-Json } else { $null }
$Ansible.Changed = -not ($old -and $old.version -eq $Version -and $old.sha256 -eq $state.sha256)
if ($Ansible.Changed) {
    $tmp = "$stateFile.tmp"
    $state | ConvertTo-Json | Set-Content -LiteralPath $tmp -Encoding UTF8
    Move-Item -LiteralPath $tmp -Destination $stateFile -Force
}
$releases = Join-Path -Path $Root -ChildPath 'releases'
$keepNames = @($Version, $Previous) | Where-Object { $_ }
$others = @(Get-ChildItem -LiteralPath $releases -Directory | Where-Object { $keepNames -notcontains $_.Name -and -not $_.Name.StartsWith('.') } |
    Sort-Object -Property LastWriteTime -Descending)
$room = [Math]::Max(2, $Keep) - $keepNames.Count
$doomed = @($others | Select-Object -Skip ([Math]::Max(0, $room)))
foreach ($dir in $doomed) { Remove-Item -LiteralPath $dir.FullName -Recurse -Force; $Ansible.Changed = $true }
$Ansible.Result = @{ pruned = @($doomed | ForEach-Object { $_.Name }) }
