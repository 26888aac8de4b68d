# shellcheck shell=sh
# The body of a script in tasks/lock_first.yml, which sets root, partial and the arguments first.
# shellcheck disable=SC2154
# Shared paths (ansistrano's shared_paths/shared_files): "$partial/<path>" becomes a link to "$root/shared/<path>".
# One missing from shared/ is seeded once from the release's own copy (or created empty), never overwritten.
for spec in "$@"; do
  kind=${spec%%:*}; p=${spec#*:}
  shared="$root/shared/$p"; target="$partial/$p"
  mkdir -p -- "$(dirname -- "$shared")" "$(dirname -- "$target")"
  if [ ! -e "$shared" ]; then
    if [ -e "$target" ] && [ ! -L "$target" ]; then
      cp -a -- "$target" "$shared"
    elif [ "$kind" = d ]; then
      mkdir -p -- "$shared"
    else
      : >"$shared"; chmod 0640 "$shared"
    fi
    echo "seeded $p"
  fi
  if [ "$(readlink -- "$target" 2>/dev/null || true)" != "$shared" ]; then
    rm -rf -- "$target"
    ln -s -- "$shared" "$target"
    echo "linked $p"
  fi
done
