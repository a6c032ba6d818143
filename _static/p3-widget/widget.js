/* "Try a pair": scores two statements with each model the run exported (chapter 05), in
 * the browser, with onnxruntime-web (vendored in _static/onnxruntime-web) and the WordPiece
 * tokenizer of wordpiece.js. Everything it fetches ships with the book under _static/:
 * the manifest p3-models/models.json, each model's ONNX file, vocabulary and threshold.
 * Browsers do not fetch WebAssembly or models for a page opened from file://, so there the
 * widget only says, in one line, to run `p3 serve`.
 */
(function () {
  "use strict";

  var STATIC = new URL("../", document.currentScript.src);
  var MODELS = new URL("p3-models/", STATIC);
  var ORT = new URL("onnxruntime-web/", STATIC);
  var loading = null;

  function byId(id) {
    return document.getElementById(id);
  }

  function setStatus(text) {
    byId("p3-status").textContent = text;
  }

  // The data's statements start "boy: " and "girl: "; the models were trained on them so.
  function withPrefix(text, prefix) {
    text = text.trim();
    return text.toLowerCase().indexOf(prefix + ":") === 0 ? text : prefix + ": " + text;
  }

  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = url;
      script.onload = resolve;
      script.onerror = function () {
        reject(new Error("could not load " + url));
      };
      document.head.appendChild(script);
    });
  }

  function fetchOk(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) throw new Error(url + ": " + response.status);
      return response;
    });
  }

  // The runtime, the manifest, each model's session and tokenizer: loaded once.
  function loadModels() {
    if (loading) return loading;
    loading = Promise.all([
      loadScript(new URL("ort.wasm.min.js", ORT).href),
      fetchOk(new URL("models.json", MODELS).href).then(function (r) {
        return r.json();
      }),
    ]).then(function (loaded) {
      var manifest = loaded[1];
      if (!manifest.models.length) {
        throw new Error("this build has no exported models (chapter 05 exports them)");
      }
      window.ort.env.wasm.wasmPaths = ORT.href;
      // Threads need a cross-origin-isolated page; one thread is enough for two sentences.
      window.ort.env.wasm.numThreads = self.crossOriginIsolated ? 2 : 1;
      setStatus("Loading " + manifest.models.length + " models (" + manifest.precision + ")...");
      return Promise.all(
        manifest.models.map(function (model) {
          return Promise.all([
            // Basic graph optimisations only: the full set took five times longer to
            // create a session and made scoring no faster.
            window.ort.InferenceSession.create(new URL(model.model, MODELS).href, {
              executionProviders: ["wasm"],
              graphOptimizationLevel: "basic",
            }),
            fetchOk(new URL(model.vocab, MODELS).href).then(function (r) {
              return r.text();
            }),
          ]).then(function (parts) {
            return {
              info: model,
              session: parts[0],
              tokenizer: new window.P3WordPiece.WordPiece(parts[1], {
                maxLength: model.max_length,
              }),
            };
          });
        })
      );
    });
    loading.catch(function () {
      loading = null;
    });
    return loading;
  }

  // Cosine of the two texts' normalised embeddings (the graph normalises them).
  function cosine(model, first, second) {
    var ids = [model.tokenizer.encode(first), model.tokenizer.encode(second)];
    var length = Math.max(ids[0].length, ids[1].length);
    var inputIds = new BigInt64Array(2 * length);
    var mask = new BigInt64Array(2 * length);
    for (var row = 0; row < 2; row++) {
      for (var i = 0; i < ids[row].length; i++) {
        inputIds[row * length + i] = BigInt(ids[row][i]);
        mask[row * length + i] = 1n;
      }
    }
    var feeds = {
      input_ids: new window.ort.Tensor("int64", inputIds, [2, length]),
      attention_mask: new window.ort.Tensor("int64", mask, [2, length]),
    };
    return model.session.run(feeds).then(function (outputs) {
      var vectors = outputs.sentence_embedding.data;
      var size = vectors.length / 2;
      var dot = 0;
      for (var k = 0; k < size; k++) dot += vectors[k] * vectors[size + k];
      return dot;
    });
  }

  function row(model, value) {
    var tr = document.createElement("tr");
    var compatible = value >= model.info.threshold;
    tr.dataset.model = model.info.name;
    tr.dataset.cosine = value.toFixed(6);
    var cells = [
      model.info.label,
      value.toFixed(3),
      (compatible ? "compatible" : "incompatible") +
        " (threshold " + model.info.threshold.toFixed(3) + ")",
    ];
    cells.forEach(function (text) {
      var td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    });
    // A bar from cosine 0 to 1, with the model's threshold marked.
    var td = document.createElement("td");
    var track = document.createElement("div");
    track.className = "p3-bar";
    var fill = document.createElement("div");
    fill.className = compatible ? "p3-fill p3-yes" : "p3-fill p3-no";
    fill.style.width = (100 * Math.min(1, Math.max(0, value))).toFixed(1) + "%";
    var mark = document.createElement("div");
    mark.className = "p3-mark";
    mark.style.left = (100 * Math.min(1, Math.max(0, model.info.threshold))).toFixed(1) + "%";
    track.appendChild(fill);
    track.appendChild(mark);
    td.appendChild(track);
    tr.appendChild(td);
    return tr;
  }

  function score() {
    var first = withPrefix(byId("p3-text-1").value, "boy");
    var second = withPrefix(byId("p3-text-2").value, "girl");
    byId("p3-text-1").value = first;
    byId("p3-text-2").value = second;
    var table = byId("p3-scores");
    var clicked = performance.now();
    table.dataset.state = "scoring";
    setStatus("Scoring...");
    return loadModels()
      .then(function (models) {
        var started = performance.now();
        return models
          .reduce(function (done, model) {
            return done.then(function (values) {
              return cosine(model, first, second).then(function (value) {
                return values.concat([value]);
              });
            });
          }, Promise.resolve([]))
          .then(function (values) {
            var body = table.querySelector("tbody");
            body.replaceChildren.apply(
              body,
              models.map(function (model, i) {
                return row(model, values[i]);
              })
            );
            var now = performance.now();
            table.dataset.clickMs = (now - clicked).toFixed(1);
            table.dataset.scoreMs = (now - started).toFixed(1);
            table.dataset.state = "done";
            setStatus("Scored in the browser in " + Math.round(now - started) + " ms.");
          });
      })
      .catch(function (error) {
        table.dataset.state = "failed";
        setStatus("Could not score: " + error.message);
      });
  }

  function start() {
    var root = byId("p3-try-a-pair");
    if (!root) return;
    var button = byId("p3-score");
    var examples = root.querySelectorAll(".p3-example");
    if (location.protocol === "file:") {
      setStatus(
        "To try a pair, serve the book: run `p3 serve` and open the address it prints " +
          "(browsers do not run the models on pages opened from disk)."
      );
      button.disabled = true;
      examples.forEach(function (example) {
        example.disabled = true;
      });
      return;
    }
    setStatus("Type two statements and press Score.");
    // Load the runtime and the models once the widget scrolls into view, while the reader
    // types, so that the first click waits for little or nothing.
    if ("IntersectionObserver" in window) {
      var observer = new IntersectionObserver(function (entries) {
        if (!entries.some((entry) => entry.isIntersecting)) return;
        observer.disconnect();
        loadModels().then(
          function () {
            if (byId("p3-scores").dataset.state === undefined) {
              setStatus("Models loaded: type two statements and press Score.");
            }
          },
          function (error) {
            setStatus("Could not load the models: " + error.message);
          }
        );
      });
      observer.observe(root);
    }
    button.addEventListener("click", score);
    examples.forEach(function (example) {
      example.addEventListener("click", function () {
        byId("p3-text-1").value = example.dataset.text1;
        byId("p3-text-2").value = example.dataset.text2;
        score();
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
