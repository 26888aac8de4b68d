# Langkah 10: unpack the checked package into releases\<version> (via a hidden partial folder, renamed when
# complete), write its marker, delete the package. A release already unpacked with this checksum is kept. A
# package it must refuse (its version held with another checksum, or without the client's entry point) changes
# nothing and answers `refused`, which the role turns into the failure.
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
    # Refused, not thrown: the controller says why in the run's language (filter client_windows_unpack_refusal).
    $Ansible.Result = @{ refused = 'rebuilt'; target = $release; found = [string]$existing.sha256 }
    return
}
$partial = Join-Path -Path $releases -ChildPath ".$Version.partial"
if (Test-Path -LiteralPath $partial) { Remove-Item -LiteralPath $partial -Recurse -Force }
New-Item -Path $partial -ItemType Directory -Force | Out-Null
Expand-Archive -LiteralPath $Package -DestinationPath $partial
if (-not (Test-Path -LiteralPath (Join-Path -Path $partial -ChildPath $Entrypoint))) {
    Remove-Item -LiteralPath $partial -Recurse -Force
    $Ansible.Result = @{ refused = 'not_the_release'; entrypoint = $Entrypoint }
    return
}
@{ version = $Version; sha256 = $Sha256.ToLowerInvariant(); installed_at = (Get-Date).ToString('o') } |
    ConvertTo-Json | Set-Content -LiteralPath (Join-Path -Path $partial -ChildPath '.siak-client-release.json') -Encoding UTF8
if (Test-Path -LiteralPath $release) { Remove-Item -LiteralPath $release -Recurse -Force }
Rename-Item -LiteralPath $partial -NewName $Version
Remove-Item -LiteralPath $Package -Force
$Ansible.Changed = $true
