/**
 * The assistant: which engine answers (the platform's default, the built-in knowledge-base
 * responder, or an LLM provider), its model and key, persona, instructions, daily token budget
 * and handoff. The key is write-only: the console only ever learns that one is set. "Test" makes
 * one small call to the provider with the saved settings.
 */
import type { AssistantTestResult, LlmProvider, TenantSettings } from '@miptech/protocol';
import { type FormEvent, useState } from 'react';
import { useSession } from '../session/session-context.ts';
import { messageOf, type Status, StatusLine } from './status-line.tsx';

type Engine = 'default' | LlmProvider;

const ENGINES: Array<{ value: Engine; label: string }> = [
  { value: 'default', label: "The platform's default" },
  { value: 'none', label: 'Built-in (answers from the knowledge base, no model)' },
  { value: 'openai', label: 'OpenAI' },
  { value: 'anthropic', label: 'Anthropic' },
  { value: 'openai-compatible', label: 'OpenAI-compatible server (Ollama, vLLM, LM Studio…)' },
];

export function AssistantSettings({
  tenant,
  onSaved,
}: {
  tenant: TenantSettings;
  onSaved(settings: TenantSettings): void;
}) {
  const { auth } = useSession();
  const current = tenant.assistant;
  const [engine, setEngine] = useState<Engine>(current.llm_provider ?? 'default');
  const [baseUrl, setBaseUrl] = useState(current.llm_base_url ?? '');
  const [model, setModel] = useState(current.llm_model ?? '');
  const [apiKey, setApiKey] = useState('');
  const [removeKey, setRemoveKey] = useState(false);
  const [persona, setPersona] = useState(current.persona ?? '');
  const [prompt, setPrompt] = useState(current.system_prompt ?? '');
  const [budget, setBudget] = useState(current.daily_token_budget?.toString() ?? '');
  const [handoff, setHandoff] = useState(current.handoff_on_no_answer ?? false);
  const [status, setStatus] = useState<Status>();
  const [test, setTest] = useState<Status>();
  const llm = engine !== 'default' && engine !== 'none';

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setStatus({ kind: 'busy', text: 'Saving the assistant…' });
    // An empty field goes back to the platform's default (null removes it).
    const orNull = (value: string) => value.trim() || null;
    const assistant = {
      llm_provider: engine === 'default' ? null : engine,
      llm_base_url: llm ? orNull(baseUrl) : null,
      llm_model: llm ? orNull(model) : null,
      persona: orNull(persona),
      system_prompt: orNull(prompt),
      daily_token_budget: budget.trim() ? Number(budget) : null,
      handoff_on_no_answer: handoff,
      ...(apiKey.trim() ? { llm_api_key: apiKey.trim() } : removeKey || !llm ? { llm_api_key: null } : {}),
    };
    try {
      const saved = await auth.request<TenantSettings>('/tenant', { method: 'PATCH', body: { assistant } });
      setApiKey('');
      setRemoveKey(false);
      onSaved(saved);
      setStatus({ kind: 'done', text: 'Saved. New replies use these settings at once.' });
    } catch (caught) {
      setStatus({ kind: 'error', text: messageOf(caught) });
    }
  };

  const runTest = async () => {
    setTest({ kind: 'busy', text: 'Calling the provider…' });
    try {
      const result = await auth.request<AssistantTestResult>('/tenant/assistant/test', {
        method: 'POST',
        body: {},
      });
      setTest(
        result.ok
          ? {
              kind: 'done',
              text: `Test passed in ${result.latency_ms} ms (${result.model}). ${result.detail}`,
            }
          : { kind: 'error', text: `Test failed (${result.reason}): ${result.detail}` },
      );
    } catch (caught) {
      setTest({ kind: 'error', text: messageOf(caught) });
    }
  };

  return (
    <form className="stack" onSubmit={save} aria-labelledby="assistant-title">
      <h2 id="assistant-title">Assistant</h2>
      <label>
        Engine
        <select value={engine} onChange={(event) => setEngine(event.target.value as Engine)}>
          {ENGINES.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
      {llm && (
        <>
          <label>
            Model
            <input
              value={model}
              onChange={(event) => setModel(event.target.value)}
              placeholder={engine === 'anthropic' ? 'claude-sonnet-4-5' : 'gpt-4o-mini'}
              required
            />
          </label>
          <label>
            Base URL {engine === 'openai-compatible' ? '(required)' : "(optional: the provider's own API)"}
            <input
              type="url"
              value={baseUrl}
              onChange={(event) => setBaseUrl(event.target.value)}
              placeholder="https://llm.example.com/v1"
              required={engine === 'openai-compatible'}
            />
          </label>
          <label>
            API key
            <input
              type="password"
              autoComplete="off"
              value={apiKey}
              onChange={(event) => setApiKey(event.target.value)}
              placeholder={
                current.llm_api_key_set ? 'A key is set: type a new one to replace it' : 'No key set'
              }
            />
          </label>
          <p className="hint" data-testid="key-state">
            {current.llm_api_key_set ? 'A key is set. It is never shown again.' : 'No key is set.'}
          </p>
          {current.llm_api_key_set && (
            <label className="check">
              <input
                type="checkbox"
                checked={removeKey}
                onChange={(event) => setRemoveKey(event.target.checked)}
              />
              Remove the key on save
            </label>
          )}
        </>
      )}
      <label>
        Persona (the name it goes by)
        <input value={persona} onChange={(event) => setPersona(event.target.value)} maxLength={100} />
      </label>
      <label>
        Instructions for an LLM (tone, what to avoid)
        <textarea
          value={prompt}
          onChange={(event) => setPrompt(event.target.value)}
          rows={4}
          maxLength={4000}
        />
      </label>
      <label>
        Daily token budget (empty: no limit)
        <input
          type="number"
          min={0}
          step={1000}
          value={budget}
          onChange={(event) => setBudget(event.target.value)}
        />
      </label>
      <label className="check">
        <input type="checkbox" checked={handoff} onChange={(event) => setHandoff(event.target.checked)} />
        Hand the chat to a person when the knowledge base has no answer
      </label>
      <div className="row-actions">
        <button type="submit" className="primary" disabled={status?.kind === 'busy'}>
          Save the assistant
        </button>
        <button type="button" onClick={() => void runTest()} disabled={test?.kind === 'busy'}>
          Test the provider
        </button>
      </div>
      <StatusLine status={status} />
      <p className="hint">Test calls the provider with the saved settings: save your changes first.</p>
      <div data-testid="assistant-test">
        <StatusLine status={test} />
      </div>
    </form>
  );
}
