#!/bin/sh
# Who holds an upgrade lock, for its stale check. Run by a pipe lookup on the controller.
#   run_owner.sh            -> "PID START" of the outermost ansible-playbook process above this one
#   run_owner.sh alive P S  -> "yes" if process P with start time S still runs, else "no"
# Without /proc (a controller that is not Linux) it prints "0 0": the lock then goes stale by age only.
start_of() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
if [ "${1:-}" = alive ]; then
  if [ -r "/proc/$2/stat" ] && [ "$(start_of "$2")" = "$3" ]; then echo yes; else echo no; fi
  exit 0
fi
p=$PPID
found=""
while [ -n "$p" ] && [ "$p" -gt 1 ] 2>/dev/null; do
  if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q 'ansible-playbook'; then found=$p; fi
  p=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f2)
done
if [ -n "$found" ]; then echo "$found $(start_of "$found")"; else echo "0 0"; fi
