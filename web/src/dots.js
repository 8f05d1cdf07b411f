// The stage's messages in flight, painted on a canvas off the page's main thread.
//
// The page (Rust, `web/src/lib.rs`) computes where every message is and hands this module
// a flat list of triples (palette index, x as a fraction of the width, y in CSS pixels).
// Painting them, and above all handing a full-stage bitmap to the compositor every frame,
// is work the main thread need not do: when the browser can move a canvas into a worker
// (`transferControlToOffscreen`), a worker built from `paint` and `serve` below does it.
// Otherwise the same `paint` runs on the main thread.

/**
 * Paints one frame: `palette[k]` is `[colour, round, size]`; `data` holds triples whose y
 * (and the sizes) are in CSS pixels of a stage `design` pixels high, scaled to `h`.
 */
function paint(ctx, w, h, ratio, palette, data, design) {
  const scale = design > 0 && h > 0 ? h / design : 1;
  const canvas = ctx.canvas;
  const pw = Math.floor(w * ratio);
  const ph = Math.floor(h * ratio);
  if (canvas.width !== pw || canvas.height !== ph) {
    canvas.width = pw;
    canvas.height = ph;
  }
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = '#ffffff';
  // One path per kind of message: a handful of draw calls however many are in flight.
  for (let k = 0; k < palette.length; k++) {
    const [colour, round, size] = palette[k];
    const side = size * scale;
    const r = side / 2;
    let any = false;
    ctx.beginPath();
    for (let i = 0; i < data.length; i += 3) {
      if (data[i] !== k) continue;
      any = true;
      const x = data[i + 1] * w;
      const y = data[i + 2] * scale;
      if (round) {
        ctx.moveTo(x + r, y);
        ctx.arc(x, y, r, 0, 2 * Math.PI);
      } else {
        ctx.rect(x - r, y - r, side, side);
      }
    }
    if (any) {
      ctx.fillStyle = colour;
      ctx.fill();
      ctx.stroke();
    }
  }
}

/** The worker's side: first a hello, then the canvas and palette, then frames. */
function serve() {
  let ctx = null;
  let palette = [];
  self.onmessage = (e) => {
    const m = e.data;
    if (m === 'hello') {
      self.postMessage('ready');
    } else if (m.canvas) {
      ctx = m.canvas.getContext('2d');
      palette = m.palette;
    } else if (ctx) {
      paint(ctx, m.w, m.h, m.ratio, palette, m.data, m.design);
      self.postMessage('painted');
    }
  };
}

export class DotsPainter {
  /** Starts painting on `canvas`; until the worker answers, frames are not drawn. */
  constructor(canvas, palette) {
    this.canvas = canvas;
    this.palette = palette;
    // The canvas's size in CSS pixels, as the browser reports it after laying the page
    // out: asking for it (clientWidth) right after the page changed would force a layout.
    this.w = 0;
    this.h = 0;
    this.observer = null;
    if (typeof ResizeObserver === 'function') {
      this.observer = new ResizeObserver((entries) => {
        const box = entries[entries.length - 1].contentRect;
        this.w = box.width;
        this.h = box.height;
      });
      this.observer.observe(canvas);
    }
    this.ctx = null;
    this.worker = null;
    this.ready = false;
    this.busy = false;
    this.pending = null;
    let url = null;
    try {
      if (typeof canvas.transferControlToOffscreen !== 'function' || typeof Worker !== 'function') {
        throw new Error('no OffscreenCanvas');
      }
      url = URL.createObjectURL(new Blob([`${paint}\n(${serve})();\n`], { type: 'text/javascript' }));
      const worker = new Worker(url);
      worker.onmessage = (e) => {
        if (e.data === 'ready') {
          URL.revokeObjectURL(url);
          const offscreen = canvas.transferControlToOffscreen();
          worker.postMessage({ canvas: offscreen, palette }, [offscreen]);
          this.ready = true;
          canvas.dataset.painter = 'worker';
        } else {
          this.busy = false;
        }
        this.flush();
      };
      // A worker that cannot start (a content policy forbidding blob: workers): paint here.
      worker.onerror = () => {
        if (!this.ready) this.paintHere();
      };
      worker.postMessage('hello');
      this.worker = worker;
    } catch {
      if (url) URL.revokeObjectURL(url);
      this.paintHere();
    }
  }

  paintHere() {
    if (this.worker) this.worker.terminate();
    this.worker = null;
    this.ctx = this.canvas.getContext('2d');
    this.canvas.dataset.painter = 'main';
    this.flush();
  }

  /**
   * Paints `data` (a view into the wasm memory, copied here). If the worker has not
   * finished the previous frame, only the newest waiting frame is kept: under load the
   * picture skips frames instead of falling behind.
   */
  draw(data, design) {
    if (!this.observer) {
      this.w = this.canvas.clientWidth;
      this.h = this.canvas.clientHeight;
    }
    this.pending = { w: this.w, h: this.h, ratio: self.devicePixelRatio || 1, data: data.slice(), design };
    // The frame as drawn, kept for the stage's SVG export (export.js): the one given to
    // the worker is moved there.
    this.canvas.kscopeFrame = { w: this.w, h: this.h, data: this.pending.data.slice(), design, palette: this.palette };
    this.flush();
  }

  flush() {
    const frame = this.pending;
    if (!frame) return;
    if (this.ctx) {
      this.pending = null;
      paint(this.ctx, frame.w, frame.h, frame.ratio, this.palette, frame.data, frame.design);
    } else if (this.worker && this.ready && !this.busy) {
      this.pending = null;
      this.busy = true;
      this.worker.postMessage(frame, [frame.data.buffer]);
    }
  }

  /** Stops the worker (the canvas left the page). */
  close() {
    if (this.observer) this.observer.disconnect();
    if (this.worker) this.worker.terminate();
    this.worker = null;
    this.pending = null;
  }
}
