// The tearsheet's statistics (GET /api/v1/report, the JSON of
// `tradestore report --json`).
import { h, type Child } from '../dom';
import { duration, integer, number, percent } from '../format';
import { section, table } from './common';

type J = Record<string, unknown>;
const day = (v: unknown) => (typeof v === 'string' ? v.slice(0, 10) : '—');
const num = (v: unknown) => (typeof v === 'number' ? v : null);

function group(title: string, items: Array<[string, Child, string?]>): HTMLElement {
  return h(
    'div',
    { class: 'stat-group' },
    h('h3', null, title),
    h(
      'dl',
      null,
      items.map(([k, v, cls]) => [h('dt', null, k), h('dd', { class: cls ?? '', 'data-stat': k }, v)]),
    ),
  );
}

const signCls = (v: unknown) => (typeof v === 'number' && v !== 0 ? (v > 0 ? 'pos' : 'neg') : '');

export function statsSection(report: J): HTMLElement {
  const st = (report.statistics ?? {}) as J;
  const t = (st.trades ?? {}) as J;
  const e = (st.equity ?? {}) as J;
  const months = (e.monthly_returns ?? []) as Array<{ year: number; month: number; return: number }>;
  const breakdowns = (st.breakdowns ?? {}) as Record<string, J[]>;
  const breakdownTable = (key: string, label: string) =>
    table(
      [
        { label, cell: (r) => String(r.key ?? '') },
        { label: 'Trades', cls: 'num', cell: (r) => integer(num(r.trade_count)) },
        { label: 'Win rate', cls: 'num', cell: (r) => percent(num(r.win_rate), 1) },
        { label: 'Net profit', cls: 'num', cell: (r) => h('span', { class: signCls(r.net_profit) }, number(num(r.net_profit))) },
        { label: 'Profit factor', cls: 'num', cell: (r) => number(num(r.profit_factor)) },
        { label: 'Expectancy', cls: 'num', cell: (r) => number(num(r.expectancy)) },
      ],
      breakdowns[key] ?? [],
      { empty: 'No trades.' },
    );
  return section(
    'Statistics',
    h(
      'div',
      { class: 'stats', 'data-test': 'stats' },
      group('Returns', [
        ['Total return', percent(num(e.total_return)), signCls(e.total_return)],
        ['CAGR', percent(num(e.cagr)), signCls(e.cagr)],
        ['Volatility (ann.)', percent(num(e.annualized_volatility))],
        ['Sharpe', number(num(e.sharpe_ratio))],
        ['Sortino', number(num(e.sortino_ratio))],
        ['Calmar', number(num(e.calmar_ratio))],
        ['Omega', number(num(e.omega_ratio))],
        ['Starting equity', number(num(e.starting_equity))],
        ['Ending equity', number(num(e.ending_equity))],
      ]),
      group('Risk', [
        ['Max drawdown', number(num(e.max_drawdown)), 'neg'],
        ['Max drawdown %', percent(num(e.max_drawdown_fraction)), 'neg'],
        ['Peak → trough', `${day(e.drawdown_peak_time)} → ${day(e.drawdown_trough_time)}`],
        ['Recovered', e.drawdown_recovery_time ? day(e.drawdown_recovery_time) : 'not yet'],
        ['Longest drawdown', `${number(num(e.longest_underwater_days), 1)} d`],
        ['Ulcer index', number(num(e.ulcer_index), 3)],
        ['VaR 95%', percent(num(e.var_95))],
        ['CVaR 95%', percent(num(e.cvar_95))],
      ]),
      group('Trades', [
        ['Trades', integer(num(t.trade_count))],
        ['Win rate', percent(num(t.win_rate), 1)],
        ['Profit factor', number(num(t.profit_factor))],
        ['Payoff ratio', number(num(t.payoff_ratio))],
        ['Expectancy', number(num(t.expectancy)), signCls(t.expectancy)],
        ['Expectancy (R)', number(num(t.expectancy_r))],
        ['SQN', number(num(t.sqn))],
        ['Largest win', number(num(t.largest_win)), 'pos'],
        ['Largest loss', number(num(t.largest_loss)), 'neg'],
      ]),
      group('Behaviour & costs', [
        ['Avg holding', duration(num(t.average_holding_seconds))],
        ['Avg winner holding', duration(num(t.average_winner_holding_seconds))],
        ['Avg loser holding', duration(num(t.average_loser_holding_seconds))],
        ['Win / loss streak', `${t.longest_win_streak ?? '—'} / ${t.longest_loss_streak ?? '—'}`],
        ['Edge ratio', number(num(t.edge_ratio))],
        ['Total fees', number(num(t.total_fees))],
        ['Fees / gross profit', percent(num(t.fees_fraction_of_gross_profit), 1)],
        ['Trades per day', number(num(t.trades_per_day))],
      ]),
    ),
    months.length
      ? h(
          'div',
          { class: 'months' },
          h('h3', null, 'Monthly returns'),
          h(
            'div',
            { class: 'month-row' },
            months.map((m) =>
              h(
                'div',
                { class: `month ${signCls(m.return)}` },
                h('span', { class: 'muted' }, `${m.year}-${String(m.month).padStart(2, '0')}`),
                h('b', null, percent(m.return, 1, true)),
              ),
            ),
          ),
        )
      : null,
    h(
      'div',
      { class: 'breakdowns' },
      h('div', null, h('h3', null, 'By market regime'), breakdownTable('regime', 'Regime')),
      h('div', null, h('h3', null, 'By exit reason'), breakdownTable('exit_reason', 'Exit reason')),
    ),
  );
}
