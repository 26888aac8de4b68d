# Point the current junction of a release root at releases\<Name>, and previous at the release current left
# (or at Previous when given; removed when KeepPrevious is false and no Previous is given). A junction cannot
# be replaced in one rename as a symlink can: the new junction is made beside it and swapped in with two
# renames, so current is missing for a moment, never pointing at a half-unpacked release. Used by the release
# role (windows/switch_link.yml) on a server and by the client rollout on a Windows workstation.
param([string]$Root, [string]$Name, [string]$Previous, [bool]$KeepPrevious)
$ErrorActionPreference = 'Stop'
function Set-Junction([string]$Link, [string]$Target) {
  $new = "$Link.new"; $old = "$Link.old"
  foreach ($p in @($new, $old)) { if (Test-Path -LiteralPath $p) { [System.IO.Directory]::Delete($p) } }
  New-Item -ItemType Junction -Path $new -Target $Target | Out-Null
  if (Test-Path -LiteralPath $Link) { Rename-Item -LiteralPath $Link -NewName (Split-Path -Leaf $old) }
  Rename-Item -LiteralPath $new -NewName (Split-Path -Leaf $Link)
  if (Test-Path -LiteralPath $old) { [System.IO.Directory]::Delete($old) }  # the junction only, not its target
}
$current = Join-Path $Root 'current'
$releases = Join-Path $Root 'releases'
$left = $null
if (Test-Path -LiteralPath $current) { $left = [string]((Get-Item -LiteralPath $current -Force).Target | Select-Object -First 1) }
if ($Previous) { Set-Junction (Join-Path $Root 'previous') (Join-Path $releases $Previous) }
elseif ($KeepPrevious -and $left) { Set-Junction (Join-Path $Root 'previous') $left }
elseif (-not $KeepPrevious -and (Test-Path -LiteralPath (Join-Path $Root 'previous'))) {
  [System.IO.Directory]::Delete((Join-Path $Root 'previous'))
}
if ($Name) { Set-Junction $current (Join-Path $releases $Name) }
elseif (Test-Path -LiteralPath $current) { [System.IO.Directory]::Delete($current) }
$Ansible.Changed = $true
