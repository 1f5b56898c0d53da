#!/usr/bin/env bash
# detach.sh COMMAND [ARGS...]: runs COMMAND as a daemon, in a session of its own (setsid), holding none of its
# caller's file descriptors above 2. A daemon that inherits them keeps them open as long as it runs: a lock taken
# around the script that started it (`flock /some/lock .ci/run`) stayed held by dockerd after the run ended, and
# the next `flock` on it waited forever; a pipe the caller reads to its end would never end either.
# Standard input, output and error stay the caller's to redirect (to /dev/null and a log), as with setsid itself.
# The pid is kept: bash execs setsid, which execs COMMAND (setsid forks only when it leads a process group, which a
# background job of a script does not).
closes=''
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  if ((fd > 2)); then closes+=" $fd>&-"; fi
done
eval "exec setsid \"\$@\"$closes"
