/*
 * The parts of OpenAI's chat-completions wire format the test server speaks
 * (https://platform.openai.com/docs/api-reference/chat): what a client
 * sends, what the server answers, and its error envelope.
 */

/** A message of a chat-completions request. */
export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content?: string | Array<{ type: string; text?: string }> | null;
  tool_calls?: Array<{
    id: string;
    type: 'function';
    function: { name: string; arguments: string };
  }>;
  tool_call_id?: string;
}

/** A function tool of a request. */
export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: unknown };
}

/** `POST /v1/chat/completions` body. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  response_format?:
    | { type: 'text' }
    | { type: 'json_object' }
    | {
        type: 'json_schema';
        json_schema: {
          name: string;
          schema?: unknown;
          strict?: boolean | null;
          description?: string;
        };
      };
  tools?: ChatTool[];
  tool_choice?:
    | 'none'
    | 'auto'
    | 'required'
    | { type: 'function'; function: { name: string } };
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stream?: boolean;
  [key: string]: unknown;
}

/** How the client asked the model to answer. */
export type AnswerMode = 'json_schema' | 'tool' | 'text';

/** The mode of a request: a forced or offered tool, a schema, or text. */
export function answerModeOf(req: ChatRequest): AnswerMode {
  if (req.tools?.length && req.tool_choice !== 'none') return 'tool';
  if (req.response_format?.type === 'json_schema') return 'json_schema';
  return 'text';
}

/** The text of a message's content (strings and text parts). */
export function messageText(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  if (Array.isArray(message.content)) {
    return message.content.map(p => p.text ?? '').join('');
  }
  return '';
}

/** The error envelope of the OpenAI API. */
export function errorBody(
  message: string,
  type = 'invalid_request_error',
  code: string | null = null,
) {
  return { error: { message, type, param: null, code } };
}
