import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  answerModeOf,
  errorBody,
  type ChatRequest,
  type AnswerMode,
} from './protocol';

/**
 * What the scripted model does with the next chat-completions request.
 *
 * - `answer`: a JSON value, delivered the way the request asked for it: as
 *   the message content for `response_format: json_schema` (or plain text),
 *   as the arguments of a call of the request's tool when it offers one.
 * - `content`: this exact text (e.g. malformed JSON), in the same place.
 * - `refusal`: a structured-output refusal (`message.refusal`).
 * - `error`: an API error with this HTTP status, in OpenAI's envelope.
 * - `delayMs` + `then`: a slow reply.
 * - `hang`: never answers (the client's timeout has to fire).
 * - `drop`: closes the connection without an answer.
 * - `finishReason`: overrides `stop` / `tool_calls` (e.g. `length`).
 */
export type ScriptedReply =
  | { answer: unknown; finishReason?: string }
  | { content: string; finishReason?: string }
  | { refusal: string }
  | {
      error: {
        status: number;
        message: string;
        type?: string;
        code?: string;
      };
    }
  | { delayMs: number; then: ScriptedReply }
  | { hang: true }
  | { drop: true };

/** A request the server received, as it came. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (undefined when there was none or it was not JSON). */
  body?: ChatRequest;
  /** How the request asked for the answer. */
  mode?: AnswerMode;
}

export interface LlmTestServerOptions {
  /** Requests without `Authorization: Bearer <apiKey>` get a 401. */
  apiKey?: string;
  /** Port to listen on (default: a free one). */
  port?: number;
  host?: string;
  /** The model `GET /v1/models` lists (any model name is accepted). */
  model?: string;
}

export interface LlmTestServer {
  /** Base URL for an OpenAI client, e.g. `http://127.0.0.1:41234/v1`. */
  baseUrl: string;
  /** Every request received, oldest first. */
  requests: RecordedRequest[];
  /** The chat-completions requests received, oldest first. */
  chatRequests(): RecordedRequest[];
  /** Queues replies for the next chat-completions requests, in order. */
  reply(...replies: ScriptedReply[]): void;
  /**
   * The reply when the queue is empty, from the request (e.g. to answer
   * according to the prompt). Without one an empty queue answers 500.
   */
  setHandler(handler: ((req: ChatRequest) => ScriptedReply) | undefined): void;
  /** Forgets queued replies, the handler and the recorded requests. */
  reset(): void;
  stop(): Promise<void>;
}

const newId = () => `chatcmpl-${randomBytes(12).toString('hex')}`;

function sendJson(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': `req_${randomBytes(8).toString('hex')}`,
  });
  res.end(text);
}

/** A chat.completion object carrying `reply` in the request's mode. */
function completion(
  req: ChatRequest,
  reply: Extract<ScriptedReply, { answer: unknown } | { content: string }>,
) {
  const text =
    'content' in reply ? reply.content : JSON.stringify(reply.answer);
  const mode = answerModeOf(req);
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: null,
    refusal: null,
  };
  let finish = reply.finishReason ?? 'stop';
  if (mode === 'tool') {
    const choice = req.tool_choice;
    const name =
      choice && typeof choice === 'object'
        ? choice.function.name
        : req.tools![0].function.name;
    message.tool_calls = [
      {
        id: `call_${randomBytes(8).toString('hex')}`,
        type: 'function',
        function: { name, arguments: text },
      },
    ];
    finish = reply.finishReason ?? 'tool_calls';
  } else {
    message.content = text;
  }
  return {
    id: newId(),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: req.model,
    system_fingerprint: 'fp_mycopod_test',
    choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
    usage: {
      prompt_tokens: Math.ceil(JSON.stringify(req.messages).length / 4),
      completion_tokens: Math.ceil(text.length / 4),
      total_tokens: 0,
    },
  };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Starts a local server that speaks OpenAI's chat-completions protocol
 * (`POST …/chat/completions`, `GET …/models`) and answers with scripted
 * replies. Any path prefix is accepted, so a client configured with another
 * provider's base URL path (e.g. `/v1beta/openai/`) reaches it too.
 */
export async function startLlmTestServer(
  options: LlmTestServerOptions = {},
): Promise<LlmTestServer> {
  const queue: ScriptedReply[] = [];
  let handler: ((req: ChatRequest) => ScriptedReply) | undefined;
  const requests: RecordedRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();

  async function deliver(
    res: http.ServerResponse,
    body: ChatRequest,
    reply: ScriptedReply,
  ): Promise<void> {
    if ('delayMs' in reply) {
      await new Promise<void>(resolve => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, reply.delayMs);
        timers.add(t);
      });
      if (res.destroyed || res.writableEnded) return;
      await deliver(res, body, reply.then);
      return;
    }
    if ('hang' in reply) {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if ('drop' in reply) {
      res.socket?.destroy();
      return;
    }
    if ('error' in reply) {
      sendJson(
        res,
        reply.error.status,
        errorBody(
          reply.error.message,
          reply.error.type ??
            (reply.error.status >= 500
              ? 'server_error'
              : 'invalid_request_error'),
          reply.error.code ?? null,
        ),
      );
      return;
    }
    if ('refusal' in reply) {
      sendJson(res, 200, {
        id: newId(),
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              refusal: reply.refusal,
            },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
      });
      return;
    }
    sendJson(res, 200, completion(body, reply));
  }

  const server = http.createServer(async (req, res) => {
    const path = req.url ?? '/';
    const raw = await readBody(req).catch(() => '');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
    };
    requests.push(record);
    if (options.apiKey !== undefined) {
      if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
        sendJson(
          res,
          401,
          errorBody(
            'Incorrect API key provided. You can find your API key in your account settings.',
            'invalid_request_error',
            'invalid_api_key',
          ),
        );
        return;
      }
    }
    const pathname = path.split('?')[0];
    if (req.method === 'GET' && pathname.endsWith('/models')) {
      sendJson(res, 200, {
        object: 'list',
        data: [
          {
            id: options.model ?? 'mycopod-test-model',
            object: 'model',
            created: 0,
            owned_by: 'mycopod',
          },
        ],
      });
      return;
    }
    if (req.method !== 'POST' || !pathname.endsWith('/chat/completions')) {
      sendJson(
        res,
        404,
        errorBody(`Unknown request URL: ${req.method} ${pathname}`),
      );
      return;
    }
    let body: ChatRequest;
    try {
      body = JSON.parse(raw);
    } catch {
      sendJson(
        res,
        400,
        errorBody('We could not parse the JSON body of your request.'),
      );
      return;
    }
    record.body = body;
    if (typeof body?.model !== 'string' || !Array.isArray(body.messages)) {
      sendJson(
        res,
        400,
        errorBody("'model' and 'messages' are required properties."),
      );
      return;
    }
    record.mode = answerModeOf(body);
    if (body.stream) {
      sendJson(res, 400, errorBody('This test server does not stream.'));
      return;
    }
    const reply = queue.shift() ?? handler?.(body);
    if (!reply) {
      sendJson(
        res,
        500,
        errorBody('No scripted reply for this request', 'server_error'),
      );
      return;
    }
    await deliver(res, body, reply);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () =>
      resolve(),
    );
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';

  return {
    baseUrl: `http://${host}:${port}/v1`,
    requests,
    chatRequests: () => requests.filter(r => r.body !== undefined),
    reply: (...replies) => {
      queue.push(...replies);
    },
    setHandler: h => {
      handler = h;
    },
    reset: () => {
      queue.length = 0;
      handler = undefined;
      requests.length = 0;
    },
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}
