/**
 * A local OpenAI-compatible chat-completions server for MycoPod's LLM
 * drafting tests: scripted replies as structured output or tool calls,
 * API errors, malformed JSON, slow and hanging replies.
 *
 * @packageDocumentation
 */
export * from './protocol';
export * from './server';
