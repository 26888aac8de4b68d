# Langkah 10, after a failure, under this run's lock: remove the partial release and the package, and the
# release this run staged (Staged) unless current or previous points at it: a release that never went live
# is removed, as on a Linux PC and a server. The active release is not touched.
param(
    [Parameter(Mandatory)][string]$Root,
    [Parameter(Mandatory)][string]$Version,
    [bool]$Staged = $false
)
$ErrorActionPreference = 'Continue'
$releases = Join-Path -Path $Root -ChildPath 'releases'
$doomed = @(
    (Join-Path -Path $releases -ChildPath ".$Version.partial"),
    (Join-Path -Path (Join-Path -Path $Root -ChildPath '.incoming') -ChildPath "$Version.zip")
)
function Get-LinkName([string]$Path) {
    if (-not (Test-Path -LiteralPath $Path)) { return $null }
    $item = Get-Item -LiteralPath $Path -Force
    if ($item.LinkType -notin @('Junction', 'SymbolicLink')) { return $null }
    return Split-Path -Leaf ([string]($item.Target | Select-Object -First 1))
}
$live = @('current', 'previous') | ForEach-Object { Get-LinkName (Join-Path -Path $Root -ChildPath $_) }
if ($Staged -and $live -notcontains $Version) { $doomed += (Join-Path -Path $releases -ChildPath $Version) }
$Ansible.Changed = $false
$removed = @()
foreach ($path in $doomed) {
    if (Test-Path -LiteralPath $path) { Remove-Item -LiteralPath $path -Recurse -Force; $Ansible.Changed = $true; $removed += $path }
}
$Ansible.Result = @{ removed = $removed }
