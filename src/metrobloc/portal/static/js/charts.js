// Draws each <figure class="chart"> with uPlot from the table inside it: the first cell of a row
// (data-value) is x, every cell with data-series is a point of that series. The table stays on the
// page, so the chart and what a screen reader reads are the same data.

const COLORS = ['#1f5fa8', '#a8431f', '#2f7d32'];
const COMPACT = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 2 });

function readTable(figure) {
  const rows = Array.from(figure.querySelectorAll('tbody tr'));
  const names = Array.from(rows[0]?.querySelectorAll('[data-series]') || [], (c) => c.dataset.series);
  const xs = [];
  const ys = names.map(() => []);
  for (const row of rows) {
    const x = row.querySelector('[data-value]');
    if (!x || x.dataset.value === '') continue;
    xs.push(Number(x.dataset.value));
    row.querySelectorAll('[data-series]').forEach((cell, i) => {
      ys[i]?.push(cell.dataset.value === '' ? null : Number(cell.dataset.value));
    });
  }
  return { names, data: [xs, ...ys] };
}

function draw(figure) {
  const target = figure.querySelector('.plot');
  const { names, data } = readTable(figure);
  if (!target || data[0].length < 2 || typeof uPlot === 'undefined') return;
  const width = () => Math.max(240, target.clientWidth);
  const options = {
    width: width(),
    height: 220,
    legend: { show: false },
    scales: { x: { time: figure.dataset.x === 'time' } },
    series: [{}, ...names.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true }))],
    axes: [{ stroke: '#222' }, { stroke: '#222', size: 60, values: (_, ticks) => ticks.map((t) => COMPACT.format(t)) }],
  };
  // eslint-disable-next-line no-undef
  const chart = new uPlot(options, data, target);
  window.addEventListener('resize', () => chart.setSize({ width: width(), height: 220 }));
}

document.querySelectorAll('figure.chart').forEach(draw);
