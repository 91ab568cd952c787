namespace Offswitch.Sandboxes;

/// <summary>The two shell programs that run inside a bubblewrap sandbox: its PID 1 and the host-command client.</summary>
internal static class BubblewrapScripts
{
    /// <summary>Where the harness's channel directory is mounted inside the sandbox.</summary>
    public const string ChannelMount = "/run/offswitch";

    /// <summary>
    /// PID 1. Passed as <c>bash -p -c</c> (never a file the agent could edit while bash reads it), so the agent's
    /// environment cannot reach it. Ends the machine on the signals docker-init forwards to <c>tail -f /dev/null</c>.
    /// Requests come as lines on <c>req</c>; answers go as lines to <c>events</c> (writes below PIPE_BUF are atomic).
    /// </summary>
    public const string Init = """
        C=/run/offswitch
        trap 'exit 129' HUP
        trap 'exit 130' INT
        trap 'exit 131' QUIT
        trap 'exit 138' USR1
        trap 'exit 140' USR2
        trap 'exit 142' ALRM
        trap 'exit 143' TERM
        # Open for reading without blocking even if the harness is already gone: hold a write end (fd 4) while the read
        # end (fd 3) opens, then drop it, so that only the harness writes and its death reads as end of file.
        exec 4<>"$C/req" 3<"$C/req" 4>&- </dev/null
        # The answers go through fd 5, opened read-write so that it never blocks waiting for a reader: opening it
        # write-only would hang for good if the harness had already died.
        exec 5<>"$C/events"
        cd /home/user || exit 1
        echo "pong start" >&5
        while :; do
          # End of file: every writer is gone, i.e. the harness died without disposing of this machine (kill -9).
          # bwrap's --die-with-parent does not always reach PID 1 then, so the machine ends itself.
          read -r -u 3 op id || exit 0
          case $op in
            exec|plain)
              (
                exec 3<&-
                login=--login
                [ "$op" = plain ] && login=
                cmd=$(< "$C/x/$id.cmd")
                /usr/bin/setsid /bin/bash $login -c "$cmd" </dev/null >"$C/x/$id.out" 2>"$C/x/$id.err" 5>&- &
                echo "$!" > "$C/x/$id.pid"
                wait "$!"
                echo "done $id $?" >&5
              ) &
              ;;
            kill)
              [ -s "$C/x/$id.pid" ] && kill -KILL -- "-$(< "$C/x/$id.pid")" 2>/dev/null
              ;;
            ping)
              echo "pong $id" >&5
              ;;
          esac
        done
        """;

    /// <summary>
    /// The thin executable installed for a host command. <c>bash -p</c> neither imports exported functions nor reads
    /// BASH_ENV, yet passes the environment on unchanged to a program it runs for the harness; every external program
    /// is named by absolute path and the script's variables are never exported.
    /// </summary>
    public static string HostCommandClient(string name) => $$"""
        #!/bin/bash -p
        # {{name}}: its logic runs outside this machine; this file forwards the call.
        _ofs_c=/run/offswitch
        _ofs_id=$$.$RANDOM$RANDOM
        _ofs_d=$_ofs_c/hc/$_ofs_id
        /usr/bin/mkdir -m 700 -- "$_ofs_d" || exit 125
        : > "$_ofs_d/args"
        [ "$#" -eq 0 ] || printf '%s\0' "$@" > "$_ofs_d/args"
        printf '%s' "$PWD" > "$_ofs_d/cwd"
        /usr/bin/mkfifo -m 600 -- "$_ofs_d/reply" || exit 125
        exec 5<>"$_ofs_d/reply"
        printf 'call %s %s\n' '{{name}}' "$_ofs_id" >> "$_ofs_c/events"
        while read -r -u 5 _ofs_op _ofs_rc; do
          case $_ofs_op in
            run)
              _ofs_p=$(< "$_ofs_d/prog")
              (
                # execve(2) refuses a file that is neither a #! script nor a binary (ENOEXEC, as the original binary
                # saw it), where bash's exec would run the file as a script itself.
                if [ -f "$_ofs_p" ] && [ -r "$_ofs_p" ] && [ -x "$_ofs_p" ]; then
                  IFS= read -r -n 4 -d '' _ofs_m < "$_ofs_p"
                  case $_ofs_m in
                    '#!'*|$'\177ELF') ;;
                    *) printf '%s: exec format error\n' "$_ofs_p" >&2; exit 126 ;;
                  esac
                fi
                exec -- "$_ofs_p"
              ) </dev/null >"$_ofs_d/rout" 2>"$_ofs_d/rerr" 5<&-
              printf 'ran %s %s\n' "$_ofs_id" "$?" >> "$_ofs_c/events"
              ;;
            done)
              /usr/bin/cat -- "$_ofs_d/out"
              /usr/bin/cat -- "$_ofs_d/err" >&2
              /usr/bin/rm -rf -- "$_ofs_d"
              exit "$_ofs_rc"
              ;;
          esac
        done
        exit 125

        """;
}
