/** `ts-ha node run --help` (apart from node-run.ts, which loads the whole engine). */
export const NODE_RUN_USAGE = `usage: ts-ha node run --conf <corosync.conf> [options]

Runs one cluster node with no application code: Totem, CPG, votequorum, CMAP,
checkpoints and locks, the admin socket, optionally metrics and the status
page. Systemd-friendly: logs to stderr, SIGTERM (or SIGINT) leaves the cluster
gracefully and exits 0; ready once quorate (systemd Type=notify with
NotifyAccess=all, or --ready-file).

  -c, --conf <path>          corosync.conf (totem, nodelist, quorum sections)
  -n, --node-id <id>         this node, when its addresses do not say
      --admin-socket <path>  admin socket path (default: see ts-ha help status)
      --no-admin             serve no admin socket
      --metrics-port <port>  serve /metrics and the status page on this port
      --metrics-host <addr>  address for them (default 127.0.0.1)
      --state-dir <dir>      keep the ring id here across restarts
      --ready-file <path>    write this file once quorate (removed on stop)
  -h, --help                 show this help`
