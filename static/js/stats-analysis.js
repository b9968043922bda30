// Anjian statistics: the analysis and company-profile charts (ECharts).
//
// The rows come from the page's JSON (`ana-charts` on the analysis page and `ana-recurrence-data`
// in its recurrence section, loaded after it; `ana-company` on a company's profile); every bar, cell or point carries the URL of the ledger behind it and a
// click opens it. The same figures are in the tables under the charts, which stay when the
// charts cannot be drawn. The charts are drawn again whenever htmx swaps content in.
(function () {
  "use strict";

  const T = window.ANA_TEXTS || {};
  const NARROW = 520;
  const COLOURS = {
    navy: "#1f4e79",
    self: "#198754",
    supervision: "#1f4e79",
    remote: "#0dcaf0",
    worker: "#fd7e14",
    danger: "#dc3545",
    muted: "#6c757d",
  };
  const charts = [];

  function readJSON(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function go(url) {
    if (url) window.location.assign(url);
  }

  function make(id, option, onClick) {
    const box = document.getElementById(id);
    if (!box || !window.echarts) return null;
    const old = echarts.getInstanceByDom(box);
    if (old) old.dispose();
    const chart = echarts.init(box);
    chart.setOption(option);
    chart.on("click", (params) => {
      const url = onClick ? onClick(params) : params.data && params.data.url;
      go(url);
    });
    charts.push(chart);
    return chart;
  }

  function small(id) {
    const box = document.getElementById(id);
    return !box || box.clientWidth < NARROW;
  }

  function labelAxis(names, id) {
    const narrow = small(id);
    return {
      type: "category",
      data: names,
      inverse: true,
      axisTick: { show: false },
      axisLabel: { width: narrow ? 96 : 150, overflow: "truncate", fontSize: narrow ? 11 : 12 },
    };
  }

  function arrow(row) {
    if (row.trend === "up") return `{up|▲ +${row.mom}%}`;
    if (row.trend === "down") return `{down|▼ ${row.mom}%}`;
    if (row.trend === "new") return `{up|${T.newTrend || "new"}}`;
    return "";
  }

  // A horizontal bar per row ({name, value, url}); `trend` adds the month-over-month arrow.
  function bars(id, rows, { colour = COLOURS.navy, name = "", trend = false } = {}) {
    if (!rows || !rows.length) return;
    const byName = Object.fromEntries(rows.map((row) => [row.name, row]));
    make(id, {
      grid: { left: 8, right: trend ? 96 : 40, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: labelAxis(rows.map((row) => row.name), id),
      series: [{
        name,
        type: "bar",
        barMaxWidth: 18,
        itemStyle: { color: colour },
        data: rows.map((row) => ({ value: row.value, url: row.url })),
        label: {
          show: true,
          position: "right",
          formatter: (p) => (trend ? `${p.value}  ${arrow(byName[p.name] || {})}` : String(p.value)),
          rich: { up: { color: COLOURS.danger, fontWeight: 600 }, down: { color: COLOURS.self, fontWeight: 600 } },
        },
      }],
    });
  }

  // Categories × quarters of the year, darker with more hazards.
  function seasons(id, spec) {
    if (!spec || !spec.rows.length) return;
    const data = [];
    const narrow = small(id);
    let max = 1;
    spec.rows.forEach((row, y) => row.values.forEach((value, x) => {
      data.push({ value: [x, y, value], url: row.url });
      max = Math.max(max, value);
    }));
    make(id, {
      grid: { left: 8, right: 8, top: 8, bottom: 48, containLabel: true },
      tooltip: { position: "top", confine: true, formatter: (p) => `${spec.rows[p.value[1]].name} · ${spec.quarters[p.value[0]]}：<b>${p.value[2]}</b>` },
      xAxis: {
        type: "category",
        data: spec.quarters,
        splitArea: { show: true },
        // On a phone "Q1 (Jan–Mar)" / "一季度（1–3月）" shortens to "Q1" / "一季度".
        axisLabel: { interval: 0, formatter: (label) => (narrow ? label.split(/[ (（]/)[0] : label) },
      },
      yAxis: labelAxis(spec.rows.map((row) => row.name), id),
      visualMap: { min: 0, max, calculable: false, orient: "horizontal", left: "center", bottom: 0, itemHeight: 120, inRange: { color: ["#f4f6f9", "#f6c177", "#dc3545"] } },
      series: [{ type: "heatmap", data, label: { show: true, fontSize: 11 }, emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } } }],
    });
  }

  // The main categories month by month; a point opens that category's month in the ledger.
  function monthLines(id, spec) {
    if (!spec || !spec.rows.length) return;
    make(id, {
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      legend: { type: "scroll", top: 0, textStyle: { fontSize: 11 } },
      tooltip: { trigger: "axis", confine: true },
      xAxis: { type: "category", data: spec.labels, axisLabel: { hideOverlap: true, fontSize: small(id) ? 10 : 12 } },
      yAxis: { type: "value", minInterval: 1 },
      series: spec.rows.map((row) => ({
        name: row.name,
        type: "line",
        symbolSize: 6,
        data: row.values.map((value, i) => ({ value, url: row.urls[i] })),
      })),
    });
  }

  // Who found the hazards of each category: stacked bars, each segment its own ledger filter.
  function sources(id, rows) {
    if (!rows || !rows.length) return;
    const keys = ["self", "supervision", "remote", "worker"];
    make(id, {
      grid: { left: 8, right: 24, top: small(id) ? 56 : 32, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { fontSize: 11 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: labelAxis(rows.map((row) => row.name), id),
      series: keys.map((key) => ({
        name: T[key] || key,
        type: "bar",
        stack: "total",
        barMaxWidth: 18,
        itemStyle: { color: COLOURS[key] },
        data: rows.map((row) => ({ value: row[key][0] || null, url: row[key][1] })),
      })),
    });
  }

  function analysisPage() {
    const spec = readJSON("ana-charts");
    if (!spec) return;
    bars("category-chart", spec.categories, { name: T.found, trend: true });
    seasons("season-chart", spec.seasons);
    monthLines("month-chart", spec.months);
    sources("source-chart", spec.sources);
  }

  // The recurrence section, loaded after the page.
  function recurrencePart() {
    const spec = readJSON("ana-recurrence-data");
    if (!spec) return;
    bars("recurrence-projects-chart", spec.projects, { colour: COLOURS.danger, name: T.repeats });
    bars("recurrence-categories-chart", spec.categories, { colour: COLOURS.danger, name: T.repeats });
  }

  function companyPage() {
    const spec = readJSON("ana-company");
    if (!spec) return;
    const pair = (list) => list.map(([value, url]) => ({ value: value || null, url }));
    make("company-found-chart", {
      grid: { left: 8, right: 8, top: small("company-found-chart") ? 56 : 32, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { fontSize: 11 } },
      tooltip: { trigger: "axis", confine: true },
      xAxis: { type: "category", data: spec.months, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: T.commission, type: "bar", stack: "found", itemStyle: { color: COLOURS.supervision }, data: pair(spec.commission) },
        { name: T.self, type: "bar", stack: "found", itemStyle: { color: COLOURS.self }, data: pair(spec.self) },
        { name: T.worker, type: "bar", stack: "found", itemStyle: { color: COLOURS.worker }, data: pair(spec.worker) },
        { name: T.inspections, type: "line", symbolSize: 6, itemStyle: { color: COLOURS.muted }, lineStyle: { type: "dashed" }, data: spec.inspections },
      ],
    });
    make("company-trend-chart", {
      grid: { left: 8, right: 8, top: small("company-trend-chart") ? 56 : 32, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { fontSize: 11 } },
      tooltip: { trigger: "axis", confine: true },
      xAxis: { type: "category", data: spec.months, axisLabel: { hideOverlap: true } },
      yAxis: [
        { type: "value", min: 0, max: 100 },
        { type: "value", minInterval: 1, splitLine: { show: false } },
      ],
      series: [
        { name: T.score, type: "line", connectNulls: true, symbolSize: 7, itemStyle: { color: COLOURS.navy }, data: spec.score },
        { name: T.onTime, type: "line", connectNulls: true, symbolSize: 7, itemStyle: { color: COLOURS.self }, data: spec.on_time.map(([value, url]) => ({ value, url })) },
        { name: T.median, type: "bar", yAxisIndex: 1, barMaxWidth: 14, itemStyle: { color: "#adb5bd" }, data: spec.median },
      ],
    });
    bars("company-category-chart", spec.categories, { name: T.found });
  }

  function draw() {
    charts.splice(0).forEach((chart) => chart.dispose());
    analysisPage();
    recurrencePart();
    companyPage();
  }

  document.addEventListener("DOMContentLoaded", draw);
  if (document.readyState !== "loading") draw();
  // After a filter change (the results swapped) or a sort (the page boosted): draw again.
  document.body.addEventListener("htmx:afterSettle", draw);
  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(() => charts.forEach((chart) => chart.resize()), 150);
  });
})();
