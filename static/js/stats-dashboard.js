// Anjian statistics: the leader dashboard's charts (ECharts) and its risk map (Leaflet).
//
// Each chart comes from the page's `dash-charts` JSON: rows (categories or slices) × columns
// (series), every cell with the URL of the list behind it. A click on a bar, a point, a slice or
// a category label opens that URL. The same rows fill the <details> tables, which stay open when
// the charts cannot be drawn. The map reads its points from `#dash-map[data-url]`; without a tile
// URL (tests, offline) the points are drawn on a plain background.
(function () {
  "use strict";

  const NARROW = 520;

  function readJSON(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function go(url) {
    if (url) window.location.assign(url);
  }

  function formatValue(value, unit) {
    if (value === null || value === undefined || value === "-") return "—";
    return unit ? `${value} ${unit}` : String(value);
  }

  // --- charts -----------------------------------------------------------------------------------

  function visibleColumns(spec) {
    return spec.columns.map((column, index) => ({ column, index })).filter((c) => !c.column.hidden);
  }

  function pieOption(spec, small) {
    const total = spec.rows.reduce((sum, row) => sum + (row.cells[0].value || 0), 0);
    return {
      tooltip: {
        trigger: "item",
        confine: true,
        formatter: (p) => `${p.marker}${echarts.format.encodeHTML(p.name)}：<b>${p.value}</b> (${p.percent}%)`,
      },
      legend: { bottom: 0, icon: "circle", itemWidth: 10, itemHeight: 10, itemGap: 8, textStyle: { fontSize: small ? 11 : 12 } },
      title: {
        text: String(total),
        subtext: spec.columns[0].name,
        left: "center",
        top: small ? "33%" : "35%",
        textStyle: { fontSize: small ? 20 : 24, fontWeight: 600 },
        subtextStyle: { fontSize: 12 },
        itemGap: 2,
      },
      series: [{
        type: "pie",
        radius: small ? ["38%", "62%"] : ["42%", "68%"],
        center: ["50%", "44%"],
        avoidLabelOverlap: true,
        minShowLabelAngle: 8,
        label: small
          ? { show: true, position: "inside", formatter: "{c}", color: "#fff", fontWeight: 600 }
          : { show: true, formatter: "{b}\n{c}" },
        data: spec.rows
          .filter((row) => row.cells[0].value)
          .map((row) => ({
            name: row.label,
            value: row.cells[0].value,
            url: row.cells[0].url,
            itemStyle: { color: row.colour },
          })),
      }],
    };
  }

  function axisTooltip(spec) {
    const units = {};
    for (const { column } of visibleColumns(spec)) units[column.name] = column.unit;
    return (params) => {
      const list = (Array.isArray(params) ? params : [params]).filter((p) => p.seriesName);
      if (!list.length) return "";
      const lines = list.map((p) => {
        const value = formatValue(p.value, units[p.seriesName]);
        return `${p.marker}${echarts.format.encodeHTML(p.seriesName)}：<b>${value}</b>`;
      });
      if (spec.stack && list.length > 1) {
        const sum = list.reduce((s, p) => s + (typeof p.value === "number" ? p.value : 0), 0);
        lines.push(`<span style="color:#6c757d">${spec.totalLabel || ""}${sum}</span>`);
      }
      return [`<b>${echarts.format.encodeHTML(list[0].name)}</b>`, ...lines].join("<br>");
    };
  }

  function cartesianOption(spec, small, width) {
    const horizontal = spec.kind === "hbar";
    const labelWidth = small ? Math.max(84, Math.floor(width * 0.45)) : 180;
    const columns = visibleColumns(spec);
    const labels = spec.rows.map((row) => row.label);
    const showLegend = columns.length > 1;
    const category = {
      type: "category",
      data: labels,
      triggerEvent: true,
      axisTick: { alignWithLabel: true },
      axisLabel: horizontal
        ? { width: labelWidth, overflow: "truncate", fontSize: small ? 11 : 12 }
        : {
          fontSize: small ? 10 : 12,
          hideOverlap: true,
          formatter: (value) => (small && /^\d{4}-\d{2}$/.test(value) ? value.slice(2) : value),
        },
    };
    if (horizontal) category.inverse = true;
    const values = (spec.axes || [{}]).map((axis, index) => ({
      type: "value",
      name: axis.unit || "",
      nameTextStyle: { fontSize: 11, color: "#6c757d", align: horizontal ? "right" : index ? "left" : "right" },
      min: axis.min,
      max: axis.max,
      minInterval: axis.unit === "%" ? 0 : 1,
      splitLine: { show: index === 0 },
      axisLabel: { fontSize: small ? 10 : 12 },
    }));
    const series = columns.map(({ column, index }) => {
      const line = column.type === "line";
      const entry = {
        name: column.name,
        type: line ? "line" : "bar",
        stack: spec.stack && !line ? "total" : undefined,
        barMaxWidth: horizontal ? 18 : 26,
        itemStyle: { color: column.colour },
        emphasis: { focus: "series" },
        data: spec.rows.map((row) => {
          const cell = row.cells[index];
          return { value: cell.value === null ? "-" : cell.value, url: cell.url };
        }),
      };
      if (line) {
        entry.symbolSize = small ? 5 : 7;
        entry.showSymbol = spec.rows.length <= 18;
        entry.lineStyle = { width: 2, color: column.colour };
        entry.connectNulls = false;
      }
      if (horizontal) entry.xAxisIndex = column.axis || 0;
      else entry.yAxisIndex = column.axis || 0;
      if (horizontal && !spec.stack) {
        entry.label = { show: true, position: "right", fontSize: 11 };
      }
      return entry;
    });
    if (horizontal && spec.stack) {
      // The row's total at the end of each stacked bar.
      series.push({
        name: "",
        type: "bar",
        stack: "total",
        silent: true,
        tooltip: { show: false },
        itemStyle: { color: "transparent" },
        label: { show: true, position: "insideLeft", fontSize: 11, color: "#495057", formatter: (p) => spec.rows[p.dataIndex].total },
        data: spec.rows.map(() => 0),
      });
    }
    return {
      animationDuration: 400,
      grid: {
        left: 4,
        right: horizontal ? 28 : (values.length > 1 ? 8 : 12),
        top: showLegend ? 40 : 24,
        bottom: 4,
        containLabel: true,
      },
      legend: showLegend
        ? { type: "scroll", top: 0, itemWidth: 12, itemHeight: 10, textStyle: { fontSize: small ? 11 : 12 }, data: columns.map((c) => c.column.name) }
        : { show: false },
      tooltip: { trigger: "axis", confine: true, axisPointer: { type: "shadow" }, formatter: axisTooltip(spec) },
      xAxis: horizontal ? values : category,
      yAxis: horizontal ? category : values,
      series,
    };
  }

  function heightFor(spec, small) {
    if (spec.kind !== "hbar") return null;
    const per = small ? 26 : 28;
    const legend = visibleColumns(spec).length > 1 ? 40 : 24;
    return Math.max(140, spec.rows.length * per + legend + 30);
  }

  function drawChart(box, spec, texts) {
    spec.totalLabel = texts.total;
    const small = () => box.clientWidth < NARROW;
    const height = heightFor(spec, small());
    if (height) box.style.height = `${height}px`;
    const chart = echarts.init(box, null, { renderer: "canvas" });
    let wasSmall = small();
    const option = () =>
      spec.kind === "pie" ? pieOption(spec, wasSmall) : cartesianOption(spec, wasSmall, box.clientWidth);
    chart.setOption(option());
    chart.on("click", (params) => {
      if (params.componentType === "series") {
        go(params.data && params.data.url);
      } else if (params.componentType === "xAxis" || params.componentType === "yAxis") {
        const row = spec.rows.find((r) => r.label === params.value);
        go(row && row.url);
      }
    });
    const resize = () => {
      const now = small();
      if (now !== wasSmall) {
        wasSmall = now;
        const h = heightFor(spec, now);
        if (h) box.style.height = `${h}px`;
        chart.setOption(option(), true);
      }
      chart.resize();
    };
    if (window.ResizeObserver) new ResizeObserver(resize).observe(box);
    else window.addEventListener("resize", resize);
    return chart;
  }

  function drawCharts() {
    const specs = readJSON("dash-charts");
    if (!specs || !window.echarts) return;
    const texts = readJSON("dash-texts") || { total: "" };
    let drawn = 0;
    for (const spec of specs) {
      const box = document.getElementById(`chart-${spec.key}`);
      if (!box || spec.empty) continue;
      try {
        drawChart(box, spec, texts);
        drawn += 1;
        const table = box.parentElement.querySelector("[data-dash-table]");
        if (table) table.open = false;
      } catch (error) {
        box.remove();  // the table below stays open with the numbers
        if (window.console) console.error(error);
      }
    }
    return drawn;
  }

  // --- map --------------------------------------------------------------------------------------

  // A project not scored yet (the job runs every 15 minutes) is grey, not "low".
  function bandOf(point, config) {
    if (point.score === null) return { label: config.texts.unscored, colour: "#adb5bd" };
    return config.bands[point.band] || config.bands.low;
  }

  function popup(point, config) {
    const band = bandOf(point, config);
    const div = document.createElement("div");
    const name = document.createElement("a");
    name.href = point.url;
    name.className = "fw-semibold d-block mb-1";
    name.textContent = point.name;
    div.appendChild(name);
    const line = document.createElement("div");
    line.className = "small";
    const dot = document.createElement("span");
    dot.className = "dash-dot me-1";
    dot.style.background = band.colour;
    line.appendChild(dot);
    const score = point.score === null ? "—" : point.score.toFixed(1);
    line.appendChild(document.createTextNode(`${config.texts.score}：${score} · ${band.label}`));
    div.appendChild(line);
    const open = document.createElement("a");
    open.href = point.url;
    open.className = "small";
    open.textContent = `${config.texts.open} →`;
    div.appendChild(open);
    return div;
  }

  function drawMap() {
    const box = document.getElementById("dash-map");
    const status = document.getElementById("dash-map-status");
    const config = readJSON("dash-map-config");
    if (!box || !config) return;
    if (!window.L) {
      status.textContent = config.texts.failed;
      return;
    }
    status.textContent = "";
    const mobile = L.Browser.mobile;
    const map = L.map(box, { scrollWheelZoom: false, dragging: !mobile }).setView(config.center, 11);
    if (config.tiles) {
      L.tileLayer(config.tiles, { maxZoom: 19, attribution: config.attribution }).addTo(map);
    }
    L.control.scale({ imperial: false }).addTo(map);
    const layer = L.layerGroup().addTo(map);
    const order = { low: 0, medium: 1, high: 2 };
    fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then((data) => {
        const points = data.points.slice().sort((a, b) => (order[a.band] || 0) - (order[b.band] || 0));
        const bounds = [];
        for (const point of points) {
          const band = bandOf(point, config);
          L.circleMarker([point.lat, point.lng], {
            radius: point.band === "high" ? 10 : 8,
            color: "#fff",
            weight: 2,
            fillColor: band.colour,
            fillOpacity: 0.9,
          })
            .bindTooltip(point.name)
            .bindPopup(popup(point, config))
            .addTo(layer);
          bounds.push([point.lat, point.lng]);
        }
        for (const [key, n] of Object.entries(data.bands || {})) {
          const node = document.querySelector(`[data-band-count="${key}"]`);
          if (node) node.textContent = `(${n})`;
        }
        if (bounds.length) map.fitBounds(bounds, { padding: [36, 36], maxZoom: 14 });
        status.textContent = bounds.length
          ? config.texts.shown.replace("%(n)s", bounds.length)
          : config.texts.none;
      })
      .catch(() => {
        status.textContent = config.texts.failed;
      });
  }

  // --- filters ----------------------------------------------------------------------------------

  function wireFilters() {
    const form = document.getElementById("dash-filters");
    const street = document.getElementById("id_street");
    if (form && street) street.addEventListener("change", () => form.requestSubmit());
  }

  wireFilters();
  drawCharts();
  drawMap();
})();
