import {
  canRestart,
  canStop,
  describeState,
  dialogTitle,
  formatDuration,
  isActive,
  statusSummary,
  statusTooltip
} from '../format';
import type { VSCodeState } from '../tokens';
import { marked, statusForTests, trans } from './fixtures';

describe('describeState', () => {
  it.each([
    ['stopped', 'stopped'],
    ['starting', 'starting…'],
    ['running', 'running'],
    ['stopping', 'stopping…'],
    ['failed', 'failed'],
    ['missing', 'not installed'],
    ['misconfigured', 'misconfigured'],
    [null, 'unavailable']
  ] as const)('%s → %s', (state, words) => {
    expect(describeState(state, trans)).toBe(words);
  });

  it('goes through the translator', () => {
    expect(describeState('running', marked)).toBe('«running»');
  });

  it('says unavailable for a state this frontend does not know', () => {
    expect(describeState('hibernating' as VSCodeState, trans)).toBe(
      'unavailable'
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [89.4, '89 s'],
    [90, '2 min'],
    [5399, '90 min'],
    [5400, '2 h'],
    [36000, '10 h']
  ])('%s s → %s', (seconds, text) => {
    expect(formatDuration(seconds, trans)).toBe(text);
  });
});

describe('statusSummary', () => {
  it('says unavailable without a status', () => {
    expect(statusSummary('VS Code', null, trans)).toBe(
      'VS Code: status unavailable'
    );
  });

  it.each([
    [
      'lists pid, version and uptime while running',
      'VS Code',
      { state: 'running', pid: 42, version: '4.99.0', uptime: 185 },
      'VS Code: running (pid 42, code-server 4.99.0, up 3 min)'
    ],
    [
      'leaves out pid and uptime when not running (null fields)',
      'Code',
      { state: 'failed', pid: 7, uptime: 3, error: 'boom' },
      'Code: failed'
    ],
    [
      'says why a stopped code-server waits for a page load',
      'VS Code',
      { state: 'stopped', held: 'VS Code was stopped after being idle' },
      'VS Code: stopped (VS Code was stopped after being idle)'
    ],
    [
      'says Jupyter is shutting down',
      'VS Code',
      { state: 'stopping', shutting_down: true },
      'VS Code: stopping… (Jupyter is shutting down)'
    ]
  ] as const)('%s', (_name, title, fields, summary) => {
    expect(statusSummary(title, statusForTests(fields), trans)).toBe(summary);
  });

  it('handles the misconfigured status (every optional field null)', () => {
    const status = statusForTests({
      state: 'misconfigured',
      error: 'c.VSCode.start_timeout=-5.0: must be > 0'
    });
    expect(statusSummary('VS Code', status, trans)).toBe(
      'VS Code: misconfigured'
    );
    expect(statusTooltip('VS Code', status, trans)).toBe(
      'VS Code: misconfigured: c.VSCode.start_timeout=-5.0: must be > 0 (click for details)'
    );
  });

  it('shows a misconfigured status whose error is null without "null"', () => {
    const status = statusForTests({ state: 'misconfigured' });
    expect(statusTooltip('VS Code', status, trans)).toBe(
      'VS Code: misconfigured:  (click for details)'
    );
  });

  it('offers actions in the tooltip otherwise', () => {
    expect(statusTooltip('VS Code', statusForTests(), trans)).toBe(
      'VS Code: stopped (click for actions)'
    );
  });

  it('goes through the translator', () => {
    expect(statusSummary('VS Code', null, marked)).toBe(
      '«VS Code: status unavailable»'
    );
  });
});

describe('dialogTitle', () => {
  it('names a failed start, a misconfiguration, else the log', () => {
    const s = statusForTests();
    expect(dialogTitle('VS Code', { ...s, state: 'failed' }, trans)).toBe(
      'VS Code could not start'
    );
    expect(
      dialogTitle('VS Code', { ...s, state: 'misconfigured' }, trans)
    ).toBe('VS Code is misconfigured');
    expect(dialogTitle('VS Code', s, trans)).toBe('VS Code log');
    expect(dialogTitle('VS Code', null, trans)).toBe('VS Code log');
  });
});

/** `answer(state)` is true for each of `yes`, false for each of `no`. */
function expectAnswers(
  answer: (state: VSCodeState | null) => boolean,
  yes: (VSCodeState | null)[],
  no: (VSCodeState | null)[]
): void {
  for (const state of yes) {
    expect([state, answer(state)]).toEqual([state, true]);
  }
  for (const state of no) {
    expect([state, answer(state)]).toEqual([state, false]);
  }
}

describe('which actions make sense', () => {
  it('restart: not while starting, stopping or misconfigured', () => {
    expectAnswers(
      canRestart,
      ['failed', 'running', null],
      ['starting', 'stopping', 'misconfigured']
    );
  });

  it('stop: not when stopped, stopping or misconfigured', () => {
    expectAnswers(
      canStop,
      ['running', 'failed'],
      ['stopped', 'stopping', 'misconfigured']
    );
  });

  it('the Running panel lists running, starting and stopping', () => {
    expectAnswers(
      isActive,
      ['running', 'starting', 'stopping'],
      ['stopped', 'failed', null]
    );
  });
});
