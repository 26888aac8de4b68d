# Langkah 10: read the client version from state.json and whether the SIAK client runs. Changes nothing.
param(
    [Parameter(Mandatory)][string]$Root,
    [Parameter(Mandatory)][string]$Version,
    [Parameter(Mandatory)][string]$Sha256,
    [Parameter(Mandatory)][string]$ProcessName
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$stateFile = Join-Path -Path $Root -ChildPath 'state.json'
$current = $null
if (Test-Path -LiteralPath $stateFile) {
    $current = Get-Content -LiteralPath $stateFile -Raw | ConvertFrom-Json
}
$running = @(Get-Process -Name $ProcessName -ErrorAction SilentlyContinue | ForEach-Object { $_.Id })
$isCurrent = $null -ne $current -and $current.version -eq $Version -and $current.sha256 -eq $Sha256.ToLowerInvariant()
$Ansible.Result = @{
    previous_version = if ($current) { [string]$current.version } else { $null }
    status = if ($isCurrent) { 'already_current' } else { 'pending' }
    in_use = $running
}
