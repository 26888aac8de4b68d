# Langkah 10, after a failure: remove the partial release and the package; the active release is not touched.
param(
    [Parameter(Mandatory)][string]$Root,
    [Parameter(Mandatory)][string]$Version
)
$ErrorActionPreference = 'Continue'
$partial = Join-Path -Path (Join-Path -Path $Root -ChildPath 'releases') -ChildPath ".$Version.partial"
$package = Join-Path -Path (Join-Path -Path $Root -ChildPath 'incoming') -ChildPath "$Version.zip"
$Ansible.Changed = $false
foreach ($path in @($partial, $package)) {
    if (Test-Path -LiteralPath $path) { Remove-Item -LiteralPath $path -Recurse -Force; $Ansible.Changed = $true }
}
