import { z } from 'zod';
import { InvalidRedactConfigError } from './invalid-redact-config-error.js';
import type { RedactStageOptions } from './redact-stage.js';

const action = z.enum(['placeholder', 'redact', 'mask', 'block', 'allow']);
const typeName = z.string().regex(/^[A-Z]+(?:_[A-Z]+)*$/, 'upper-case letters and single underscores');

const schema = z
  .object({
    actions: z.record(typeName, action).optional(),
    defaultAction: action.optional(),
    threshold: z.number().min(0).max(1).optional(),
    types: z.array(typeName).optional(),
    patterns: z
      .array(
        z
          .object({
            type: typeName,
            pattern: z.string().min(1),
            flags: z
              .string()
              .regex(/^[imsu]*$/)
              .optional(),
            score: z.number().min(0).max(1).optional(),
          })
          .strict(),
      )
      .optional(),
    allow: z.array(z.string()).optional(),
    deny: z
      .array(z.union([z.string(), z.object({ value: z.string(), type: typeName.optional() }).strict()]))
      .optional(),
  })
  .strict();

/** The `redact` section of the config file, validated. */
export type RedactConfig = z.infer<typeof schema>;

/**
 * Validate the config file's `redact` section (see docs/redaction.md) into stage options.
 * Throws {@link InvalidRedactConfigError} naming the bad key.
 */
export function parseRedactConfig(raw: unknown): RedactStageOptions {
  if (raw === undefined || raw === null) return {};
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `redact.${issue.path.join('.')}` : 'redact';
    throw new InvalidRedactConfigError(
      `The config file's ${where} is invalid (${issue?.message ?? 'unknown problem'}).`,
      'See docs/redaction.md for the shape of the redact section.',
    );
  }
  const out: RedactStageOptions = {};
  const c = parsed.data;
  if (c.actions) out.actions = c.actions;
  if (c.defaultAction) out.defaultAction = c.defaultAction;
  if (c.threshold !== undefined) out.threshold = c.threshold;
  if (c.types) out.types = c.types;
  if (c.patterns) {
    out.patterns = c.patterns.map((p) => ({
      type: p.type,
      pattern: p.pattern,
      ...(p.flags === undefined ? {} : { flags: p.flags }),
      ...(p.score === undefined ? {} : { score: p.score }),
    }));
  }
  if (c.allow) out.allow = c.allow;
  if (c.deny) {
    out.deny = c.deny.map((d) =>
      typeof d === 'string' ? d : { value: d.value, ...(d.type === undefined ? {} : { type: d.type }) },
    );
  }
  return out;
}
