import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { loadSettings } from '../config/index.js';
import { UsageError } from '../errors/index.js';
import { parseRedactConfig, redactText } from '../redact/index.js';
import type { RegisterCommand } from './commands.js';
import { detectLang, t } from './io.js';

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `steadychat redact [FILE]`: print the text (stdin by default) with personal data and secrets
 * replaced, using the `redact` section of the config file for actions and custom patterns.
 * `--json` prints the findings (type, offsets, placeholder, score), never the values.
 */
export const registerRedactCommand: RegisterCommand = (program, io) => {
  program
    .command('redact')
    .description('Print text (FILE or stdin) with personal data and secrets replaced by placeholders')
    .argument('[file]', 'file to read (default: stdin)')
    .option('--json', 'print the findings as JSON (type, start, end, placeholder, score), never the values')
    .option('--config <file>', 'config file to read (default: STEADYCHAT_CONFIG, ./steadychat.config.json)')
    .action(async (file: string | undefined, opts: { json?: boolean; config?: string }, command: Command) => {
      const settings = loadSettings({
        env: io.env,
        cwd: io.cwd,
        ...(opts.config === undefined ? {} : { configFile: opts.config }),
      });
      const lang = detectLang(io.env, command.parent?.opts<{ lang?: string }>().lang ?? settings.lang);
      let text: string;
      if (file === undefined || file === '-') {
        text = await readAll(io.stdin);
      } else {
        try {
          text = await readFile(resolve(io.cwd, file), 'utf8');
        } catch (cause) {
          throw new UsageError(t(lang, `Cannot read ${file}.`, `无法读取 ${file}。`), {
            cause,
            hint: t(
              lang,
              'Check the path, or pipe the text on stdin.',
              '请检查路径，或通过标准输入传入文本。',
            ),
          });
        }
      }
      const result = redactText(text, parseRedactConfig(settings.file.redact));
      if (opts.json) {
        const findings = result.findings.map((f) => ({
          type: f.type,
          start: f.start,
          end: f.end,
          placeholder: f.replacement ?? null,
          score: f.score,
          action: f.action,
        }));
        io.stdout.write(`${JSON.stringify({ findings, counts: result.counts }, null, 2)}\n`);
        return;
      }
      io.stdout.write(result.text);
    });
};
