# Langkah 10, after the switch: remove state.json, where a PC set up before the releases\current layout named
# its active release (the junctions say it now), and the releases beyond Keep, never the current or the
# previous one; the rest newest first by their marker's installed_at, as the release role's state read orders
# them on a server.
param(
    [Parameter(Mandatory)][string]$Root,
    [int]$Keep = 2
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$releases = Join-Path -Path $Root -ChildPath 'releases'
$legacy = Join-Path -Path $Root -ChildPath 'state.json'
if (Test-Path -LiteralPath $legacy) { Remove-Item -LiteralPath $legacy -Force; $Ansible.Changed = $true }
function Get-LinkName([string]$Path) {
    if (-not (Test-Path -LiteralPath $Path)) { return $null }
    $item = Get-Item -LiteralPath $Path -Force
    if ($item.LinkType -notin @('Junction', 'SymbolicLink')) { return $null }
    return Split-Path -Leaf ([string]($item.Target | Select-Object -First 1))
}
$protected = @('current', 'previous') | ForEach-Object { Get-LinkName (Join-Path -Path $Root -ChildPath $_) } | Where-Object { $_ }
$others = @(Get-ChildItem -LiteralPath $releases -Directory -Force |
    Where-Object { -not $_.Name.StartsWith('.') -and $protected -notcontains $_.Name } |
    Sort-Object -Property @{ Expression = {
        $m = Join-Path -Path $_.FullName -ChildPath '.siak-client-release.json'
        if (Test-Path -LiteralPath $m) { [string](Get-Content -LiteralPath $m -Raw | ConvertFrom-Json).installed_at } else { '' }
    } }, @{ Expression = { $_.Name } } -Descending)
$room = [Math]::Max(2, $Keep) - @($protected).Count
$doomed = @($others | Select-Object -Skip ([Math]::Max(0, $room)))
foreach ($dir in $doomed) { Remove-Item -LiteralPath $dir.FullName -Recurse -Force; $Ansible.Changed = $true }
$Ansible.Result = @{ pruned = @($doomed | ForEach-Object { $_.Name }) }
