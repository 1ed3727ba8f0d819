// A cluster worker for dead-worker-primary.ts: plain JavaScript, so it runs without tsx (whose
// esbuild helper process would inherit the IPC channel and keep it open after this worker dies).
process.on("message", (m) => {
  if (m?.k === "die") process.exit(0);
  // SHUTDOWN_MESSAGE of cluster-supervisor.ts.
  if (m?.tag === "dw-control" && m.k === "shutdown") process.exit(0);
});
process.send({ k: "ready" });
