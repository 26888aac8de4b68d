# Langkah 10: read a Windows workstation's client release, as the Linux probe does (client_release.PROBE_SCRIPT):
# where the current junction points, the markers of the current and the target release, the running clients.
# Changes nothing. The answer has the keys parse_probe gives on Linux, plus what it was asked about; what it
# means (already current, to install or switch, a conflict) is decided on the controller
# (module_utils/client_release.probe_outcome, filter client_windows_probe).
param(
    [Parameter(Mandatory)][string]$Root,
    [Parameter(Mandatory)][string]$Version,
    [Parameter(Mandatory)][string]$Sha256,
    [Parameter(Mandatory)][string]$ProcessName
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$releases = Join-Path -Path $Root -ChildPath 'releases'
function Read-Marker([string]$Dir) {
    $file = Join-Path -Path $Dir -ChildPath '.siak-client-release.json'
    if (-not (Test-Path -LiteralPath $file)) { return $null }
    try { return Get-Content -LiteralPath $file -Raw | ConvertFrom-Json } catch { return $null }
}
$link = $null
$notALink = $false
$legacyState = $false
$current = $null
$currentPath = Join-Path -Path $Root -ChildPath 'current'
if (Test-Path -LiteralPath $currentPath) {
    $item = Get-Item -LiteralPath $currentPath -Force
    if ($item.LinkType -in @('Junction', 'SymbolicLink')) {
        $link = Split-Path -Leaf ([string]($item.Target | Select-Object -First 1))
        $current = Read-Marker (Join-Path -Path $releases -ChildPath $link)
    } else {
        $notALink = $true
    }
} elseif (Test-Path -LiteralPath (Join-Path -Path $Root -ChildPath 'state.json')) {
    # A PC set up before the releases\current layout names its active release in state.json; its first update
    # makes the junctions and removes state.json (the switch makes the junctions, prune.ps1 removes state.json).
    $legacy = Get-Content -LiteralPath (Join-Path -Path $Root -ChildPath 'state.json') -Raw | ConvertFrom-Json
    $link = [string]$legacy.version
    $current = $legacy
    $legacyState = $true
}
$targetDir = Join-Path -Path $releases -ChildPath $Version
$targetExists = Test-Path -LiteralPath $targetDir -PathType Container
$target = if ($targetExists) { Read-Marker $targetDir } else { $null }
$Ansible.Result = @{
    root = $Root
    version = $Version
    sha256 = $Sha256
    link = $link
    link_is_not_a_link = $notALink
    legacy_state = $legacyState
    current_version = if ($current) { [string]$current.version } else { $null }
    current_sha256 = if ($current) { [string]$current.sha256 } else { $null }
    target_exists = $targetExists
    target_sha256 = if ($target) { [string]$target.sha256 } else { $null }
    pids = @(Get-Process -Name $ProcessName -ErrorAction SilentlyContinue | ForEach-Object { $_.Id })
}
