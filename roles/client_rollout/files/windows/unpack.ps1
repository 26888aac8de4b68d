# Langkah 10: unpack the checked package into releases\<version> (via a hidden partial folder, renamed when
# complete), write its marker, delete the package. A release already unpacked with this checksum is kept.
param(
    [Parameter(Mandatory)][string]$Root,
    [Parameter(Mandatory)][string]$Version,
    [Parameter(Mandatory)][string]$Sha256,
    [Parameter(Mandatory)][string]$Package,
    [Parameter(Mandatory)][string]$Entrypoint
)
$ErrorActionPreference = 'Stop'
$releases = Join-Path -Path $Root -ChildPath 'releases'
$release = Join-Path -Path $releases -ChildPath $Version
$marker = Join-Path -Path $release -ChildPath '.siak-client-release.json'
$Ansible.Changed = $false
if (Test-Path -LiteralPath $marker) {
    $existing = Get-Content -LiteralPath $marker -Raw | ConvertFrom-Json
    if ($existing.sha256 -eq $Sha256.ToLowerInvariant()) {
        Remove-Item -LiteralPath $Package -Force -ErrorAction SilentlyContinue
        return
    }
    throw "$release holds version $Version with another checksum; give the package a new version number"
}
$partial = Join-Path -Path $releases -ChildPath ".$Version.partial"
if (Test-Path -LiteralPath $partial) { Remove-Item -LiteralPath $partial -Recurse -Force }
New-Item -Path $partial -ItemType Directory -Force | Out-Null
Expand-Archive -LiteralPath $Package -DestinationPath $partial
if (-not (Test-Path -LiteralPath (Join-Path -Path $partial -ChildPath $Entrypoint))) {
    Remove-Item -LiteralPath $partial -Recurse -Force
    throw "the package has no $Entrypoint: it is not a SIAK client package"
}
@{ version = $Version; sha256 = $Sha256.ToLowerInvariant(); installed_at = (Get-Date).ToString('o') } |
    ConvertTo-Json | Set-Content -LiteralPath (Join-Path -Path $partial -ChildPath '.siak-client-release.json') -Encoding UTF8
if (Test-Path -LiteralPath $release) { Remove-Item -LiteralPath $release -Recurse -Force }
Rename-Item -LiteralPath $partial -NewName $Version
Remove-Item -LiteralPath $Package -Force
$Ansible.Changed = $true
