// Child process for the kill -9 test: writes turns as fast as it can until killed.
import { createConversations } from '../../src/memory/index.js';
import type { ChatResponse } from '../../src/pipeline/index.js';
import { openStore } from '../../src/store/index.js';

const url = process.argv[2] ?? '';
const store = await openStore({ url });
let n = 0;
const conversations = createConversations({
  store,
  // The upstream is not what this test is about: an instant in-process answer.
  chat: async (call): Promise<ChatResponse> => ({
    type: 'completion',
    meta: { headers: {}, attempts: 1 },
    completion: {
      id: `c${n}`,
      object: 'chat.completion',
      created: 0,
      model: call.request.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: `reply ${n++} ${'x'.repeat(n % 500)}`, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    },
  }),
});
for (let i = 0; ; i++) {
  const chat = await conversations.create({ system: 'crash test' });
  for (let t = 0; t < 20; t++) {
    await chat.send(`question ${i}.${t} ${'y'.repeat(t * 37)}`);
    // Ready once the first turn is committed, so every kill lands among writes.
    if (i === 0 && t === 0) process.stdout.write('ready\n');
    if (t % 5 === 4) await chat.regenerate();
  }
}
