"""The lab: real test hosts on this machine, each an sshd in its own mount and UTS namespace."""
