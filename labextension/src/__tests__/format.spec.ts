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
import { emptyStatusForTests, marked, trans } from './fixtures';

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

  it('lists pid, version and uptime while running', () => {
    const status = {
      ...emptyStatusForTests(),
      state: 'running' as const,
      pid: 42,
      version: '4.99.0',
      uptime: 185
    };
    expect(statusSummary('VS Code', status, trans)).toBe(
      'VS Code: running (pid 42, code-server 4.99.0, up 3 min)'
    );
  });

  it('leaves out pid and uptime when not running (null fields)', () => {
    const status = {
      ...emptyStatusForTests(),
      state: 'failed' as const,
      pid: 7,
      uptime: 3,
      error: 'boom'
    };
    expect(statusSummary('Code', status, trans)).toBe('Code: failed');
  });

  it('handles the misconfigured status (every optional field null)', () => {
    const status = {
      ...emptyStatusForTests(),
      state: 'misconfigured' as const,
      error: 'c.VSCode.start_timeout=-5.0: must be > 0'
    };
    expect(statusSummary('VS Code', status, trans)).toBe(
      'VS Code: misconfigured'
    );
    expect(statusTooltip('VS Code', status, trans)).toBe(
      'VS Code: misconfigured: c.VSCode.start_timeout=-5.0: must be > 0 (click for details)'
    );
  });

  it('shows a misconfigured status whose error is null without "null"', () => {
    const status = {
      ...emptyStatusForTests(),
      state: 'misconfigured' as const
    };
    expect(statusTooltip('VS Code', status, trans)).toBe(
      'VS Code: misconfigured:  (click for details)'
    );
  });

  it('offers actions in the tooltip otherwise', () => {
    expect(statusTooltip('VS Code', emptyStatusForTests(), trans)).toBe(
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
    const s = emptyStatusForTests();
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

describe('which actions make sense', () => {
  it('restart: not while starting, stopping or misconfigured', () => {
    expect(canRestart('starting')).toBe(false);
    expect(canRestart('stopping')).toBe(false);
    expect(canRestart('misconfigured')).toBe(false);
    expect(canRestart('failed')).toBe(true);
    expect(canRestart('running')).toBe(true);
    expect(canRestart(null)).toBe(true);
  });

  it('stop: not when stopped, stopping or misconfigured', () => {
    expect(canStop('stopped')).toBe(false);
    expect(canStop('stopping')).toBe(false);
    expect(canStop('misconfigured')).toBe(false);
    expect(canStop('running')).toBe(true);
    expect(canStop('failed')).toBe(true);
  });

  it('the Running panel lists running, starting and stopping', () => {
    expect(isActive('running')).toBe(true);
    expect(isActive('starting')).toBe(true);
    expect(isActive('stopping')).toBe(true);
    expect(isActive('stopped')).toBe(false);
    expect(isActive('failed')).toBe(false);
    expect(isActive(null)).toBe(false);
  });
});
