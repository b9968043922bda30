// Anjian 危大工程: signature pads in the step forms of a dangerous work.
//
// Each `[data-sigpad]` box holds a canvas and a hidden `sig_image` input. Pads are sized when
// they become visible (a step form opens in a collapse), keep their strokes on resize, and show
// again a signature drawn before a refused submit (its data URL comes back in the input).
// On submit of a `[data-dw-step]` form every pad must be signed; the data URLs are written to
// the hidden inputs. `[data-add-signer]` appends one more signer row from a <template>.
(function () {
  "use strict";

  function setup(box) {
    if (box.dwPad || typeof SignaturePad === "undefined") return;
    const canvas = box.querySelector("canvas");
    const input = box.querySelector('input[name="sig_image"]');
    const hint = box.querySelector("[data-sig-hint]");
    const pad = new SignaturePad(canvas, { minWidth: 1, maxWidth: 3, penColor: "#111" });
    box.dwPad = pad;
    let restored = input.value || "";
    let width = 0;
    const sync = () => { if (hint) hint.classList.toggle("d-none", !pad.isEmpty()); };
    pad.addEventListener("endStroke", () => {
      box.classList.remove("border-danger");
      sync();
    });
    const resize = () => {
      if (!canvas.offsetWidth || canvas.offsetWidth === width) return;
      width = canvas.offsetWidth;
      const strokes = pad.toData();
      const ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      const redraw = () => {
        if (strokes.length) pad.fromData(strokes, { clear: false });
        sync();
      };
      if (restored) {
        const size = { ratio: 1, width: canvas.offsetWidth, height: canvas.offsetHeight };
        pad.fromDataURL(restored, size).then(redraw, () => { restored = ""; redraw(); });
      } else {
        redraw();
      }
    };
    if (window.ResizeObserver) new ResizeObserver(resize).observe(canvas);
    window.addEventListener("resize", resize);
    resize();
    const clear = box.querySelector("[data-sig-clear]");
    if (clear) {
      clear.addEventListener("click", () => {
        pad.clear();
        restored = "";
        input.value = "";
        sync();
      });
    }
  }

  function setupAll(root) {
    root.querySelectorAll("[data-sigpad]").forEach(setup);
  }

  document.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add-signer]");
    if (add) {
      const template = document.getElementById(add.dataset.addSigner);
      const list = add.closest("fieldset").querySelector("[data-signer-list]");
      const row = template.content.firstElementChild.cloneNode(true);
      list.appendChild(row);
      setupAll(row);
      const name = row.querySelector('input[name="sig_name"]');
      if (name) name.focus();
      return;
    }
    const remove = event.target.closest("[data-remove-signer]");
    if (remove) remove.closest("[data-signer]").remove();
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || !form.matches || !form.matches("[data-dw-step]")) return;
    const warning = form.querySelector("[data-sig-warning]");
    let missing = null;
    form.querySelectorAll("[data-sigpad]").forEach((box) => {
      const input = box.querySelector('input[name="sig_image"]');
      const pad = box.dwPad;
      if (!pad || pad.isEmpty()) {
        input.value = "";
        box.classList.add("border-danger");
        missing = missing || box;
      } else {
        input.value = pad.toDataURL("image/png");
      }
    });
    if (missing) {
      event.preventDefault();
      if (warning) {
        warning.textContent = form.dataset.emptyMessage || "";
        warning.classList.remove("d-none");
      }
      missing.scrollIntoView({ behavior: "smooth", block: "center" });
      return;
    }
    if (warning) warning.classList.add("d-none");
    const button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
  });

  // Back to a page whose form was sent: the button must work again.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll('[data-dw-step] button[type="submit"]').forEach((button) => {
      button.disabled = false;
    });
  });

  setupAll(document);
})();
