// Progress bars for long commands (import, repl init). cli-progress is
// loaded only when a bar is drawn: other commands and server starts skip
// its modules.
import type { Options, SingleBar } from 'cli-progress';

export async function progressBar(options: Options): Promise<SingleBar> {
  const { SingleBar, Presets } = await import('cli-progress');
  return new SingleBar(options, Presets.shades_classic);
}
