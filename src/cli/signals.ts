// Clean shutdown on Ctrl-C / SIGTERM: stop once, exit when done; a second
// signal exits at once.
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (sig: NodeJS.Signals): void => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\nmeshdir: ${sig}, stopping…\n`);
    stop().then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`meshdir: error while stopping: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
