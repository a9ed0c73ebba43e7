/** Base URLs of the OpenAI-compatible providers a gateway upstream can name with `preset`. */
export const UPSTREAM_PRESETS: Readonly<Record<string, { baseUrl: string; keyHeader?: 'api-key' }>> = {
  openai: { baseUrl: 'https://api.openai.com/v1' },
  deepseek: { baseUrl: 'https://api.deepseek.com/v1' },
  qwen: { baseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1' },
  dashscope: { baseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1' },
  moonshot: { baseUrl: 'https://api.moonshot.cn/v1' },
  doubao: { baseUrl: 'https://ark.cn-beijing.volces.com/api/v3' },
  ark: { baseUrl: 'https://ark.cn-beijing.volces.com/api/v3' },
  ollama: { baseUrl: 'http://127.0.0.1:11434/v1' },
  // Azure OpenAI's v1 API: https://RESOURCE.openai.azure.com/openai/v1, key in the `api-key` header.
  azure: { baseUrl: 'https://{resource}.openai.azure.com/openai/v1', keyHeader: 'api-key' },
};
