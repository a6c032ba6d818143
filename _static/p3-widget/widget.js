/* "Try a pair": scores two statements with each model the run exported (chapter 05), in
 * the browser, with onnxruntime-web (vendored in _static/onnxruntime-web) and the WordPiece
 * tokenizer of wordpiece.js. Everything it fetches ships with the book under _static/:
 * the manifest p3-models/models.json, each model's ONNX file, vocabulary and threshold.
 *
 * The models are tens of megabytes each, so nothing heavy loads until the reader asks for a
 * score: the page says how large they are, and the first Score (or example) downloads each
 * file once, with the bytes received shown as they arrive. A pair with an empty side is
 * refused before any download. A text longer than the models read (max_seq_length tokens) is
 * scored on its start, and the status says so.
 *
 * Browsers do not fetch WebAssembly or models for a page opened from file://, so there the
 * widget only says, in one line, to run `p3 serve`.
 */
(function () {
  "use strict";

  var STATIC = new URL("../", document.currentScript.src);
  var MODELS = new URL("p3-models/", STATIC);
  var ORT = new URL("onnxruntime-web/", STATIC);
  var SIDES = [
    { box: "p3-text-1", prefix: "boy", reader: "boy's" },
    { box: "p3-text-2", prefix: "girl", reader: "girl's" },
  ];
  var manifestLoading = null;
  var loading = null;

  function byId(id) {
    return document.getElementById(id);
  }

  function setStatus(text) {
    byId("p3-status").textContent = text;
  }

  function megabytes(bytes) {
    return (bytes / 1e6).toFixed(1) + " MB";
  }

  // The data's statements start "boy: " and "girl: "; the models were trained on them so.
  function withPrefix(text, prefix) {
    text = text.trim();
    return text.toLowerCase().indexOf(prefix + ":") === 0 ? text : prefix + ": " + text;
  }

  // The statement without its prefix: empty when the reader typed nothing else.
  function statement(text, prefix) {
    return withPrefix(text, prefix)
      .slice(prefix.length + 1)
      .trim();
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

  // The body of ``url`` as bytes, calling ``progress(received)`` as chunks arrive.
  function fetchBytes(url, progress) {
    return fetchOk(url).then(function (response) {
      if (!response.body) {
        return response.arrayBuffer().then(function (buffer) {
          progress(buffer.byteLength);
          return new Uint8Array(buffer);
        });
      }
      var reader = response.body.getReader();
      var chunks = [];
      var received = 0;
      function pump() {
        return reader.read().then(function (part) {
          if (part.done) {
            var bytes = new Uint8Array(received);
            var at = 0;
            chunks.forEach(function (chunk) {
              bytes.set(chunk, at);
              at += chunk.length;
            });
            return bytes;
          }
          chunks.push(part.value);
          received += part.value.length;
          progress(received);
          return pump();
        });
      }
      return pump();
    });
  }

  function manifest() {
    if (!manifestLoading) {
      manifestLoading = fetchOk(new URL("models.json", MODELS).href).then(function (r) {
        return r.json();
      });
      manifestLoading.catch(function () {
        manifestLoading = null;
      });
    }
    return manifestLoading;
  }

  function totalBytes(info) {
    return info.models.reduce(function (sum, model) {
      return sum + (model.bytes || 0);
    }, 0);
  }

  // The runtime, each model's session and tokenizer: each file fetched once.
  function loadModels() {
    if (loading) return loading;
    loading = Promise.all([loadScript(new URL("ort.wasm.min.js", ORT).href), manifest()]).then(
      function (loaded) {
        var info = loaded[1];
        if (!info.models.length) {
          throw new Error("this build has no exported models (chapter 05 exports them)");
        }
        window.ort.env.wasm.wasmPaths = ORT.href;
        // Threads need a cross-origin-isolated page; one thread is enough for two sentences.
        window.ort.env.wasm.numThreads = self.crossOriginIsolated ? 2 : 1;
        var total = totalBytes(info);
        var received = info.models.map(function () {
          return 0;
        });
        var bar = byId("p3-progress");
        bar.max = total;
        bar.value = 0;
        bar.hidden = false;
        function progress() {
          var sum = received.reduce(function (a, b) {
            return a + b;
          }, 0);
          bar.value = sum;
          setStatus(
            "Loading " + info.models.length + " models: " + megabytes(sum) + " of " +
              megabytes(total) + " (" + Math.round((100 * sum) / total) + "%)..."
          );
        }
        progress();
        return Promise.all(
          info.models.map(function (model, index) {
            return Promise.all([
              fetchBytes(new URL(model.model, MODELS).href, function (bytes) {
                received[index] = bytes;
                progress();
              }).then(function (bytes) {
                // Basic graph optimisations only: the full set took five times longer to
                // create a session and made scoring no faster.
                return window.ort.InferenceSession.create(bytes, {
                  executionProviders: ["wasm"],
                  graphOptimizationLevel: "basic",
                });
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
        ).then(function (models) {
          bar.hidden = true;
          return models;
        });
      }
    );
    loading.catch(function () {
      loading = null;
      byId("p3-progress").hidden = true;
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

  function cell(tr, className) {
    var td = document.createElement("td");
    if (className) td.className = className;
    tr.appendChild(td);
    return td;
  }

  function span(parent, className, text) {
    var element = document.createElement("span");
    element.className = className;
    element.textContent = text;
    parent.appendChild(element);
    return element;
  }

  // One model's row: its name, the cosine over a bar from 0 to 1 with the threshold marked,
  // and the verdict at that threshold. Numbers sit in spans that never wrap.
  function row(model, value) {
    var tr = document.createElement("tr");
    var compatible = value >= model.info.threshold;
    tr.dataset.model = model.info.name;
    tr.dataset.cosine = value.toFixed(6);
    tr.dataset.verdict = compatible ? "compatible" : "incompatible";
    cell(tr).textContent = model.info.label;
    var score = cell(tr, "p3-number");
    span(score, "p3-value", value.toFixed(3));
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
    score.appendChild(track);
    var verdict = cell(tr);
    span(verdict, "p3-verdict", tr.dataset.verdict);
    verdict.appendChild(document.createElement("br"));
    span(verdict, "p3-value p3-threshold", "threshold " + model.info.threshold.toFixed(3));
    return tr;
  }

  // What the reader should know about a text the models read only the start of.
  function cutNotes(models, texts) {
    var tokenizer = models[0].tokenizer;
    var notes = [];
    texts.forEach(function (text, i) {
      var length = tokenizer.length(text);
      if (length > tokenizer.maxLength) {
        notes.push(
          "The " + SIDES[i].reader + " statement is " + length + " tokens long; the models " +
            "read only its first " + tokenizer.maxLength + " (as in training), so the rest " +
            "did not count."
        );
      }
    });
    return notes;
  }

  function refuse(table, message) {
    table.querySelector("tbody").replaceChildren();
    table.dataset.state = "refused";
    setStatus(message);
  }

  function score() {
    var table = byId("p3-scores");
    var texts = SIDES.map(function (side) {
      return byId(side.box).value;
    });
    var empty = SIDES.filter(function (side, i) {
      return statement(texts[i], side.prefix) === "";
    });
    if (empty.length) {
      return Promise.resolve(
        refuse(
          table,
          "Nothing to score: type a statement in " +
            (empty.length === 2 ? "both boxes" : "the " + empty[0].reader + " box") +
            " (a prefix alone is not a statement)."
        )
      );
    }
    texts = SIDES.map(function (side, i) {
      var text = withPrefix(texts[i], side.prefix);
      byId(side.box).value = text;
      return text;
    });
    var clicked = performance.now();
    table.dataset.state = "scoring";
    if (loading === null) setStatus("Loading the models...");
    else setStatus("Scoring...");
    return loadModels()
      .then(function (models) {
        setStatus("Scoring...");
        var started = performance.now();
        return models
          .reduce(function (done, model) {
            return done.then(function (values) {
              return cosine(model, texts[0], texts[1]).then(function (value) {
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
            var notes = cutNotes(models, texts);
            setStatus(
              ["Scored in the browser in " + Math.round(now - started) + " ms."]
                .concat(notes)
                .join(" ")
            );
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
    // Only the small manifest now, to say how much the first Score downloads.
    manifest().then(
      function (info) {
        if (byId("p3-scores").dataset.state !== undefined) return;
        if (!info.models.length) {
          setStatus("This build has no exported models (chapter 05 exports them).");
          return;
        }
        setStatus(
          "Type two statements and press Score. The first score downloads the " +
            info.models.length + " models (" + megabytes(totalBytes(info)) + ", " +
            info.precision + " weights) once; they then run on your machine."
        );
      },
      function () {}
    );
    button.addEventListener("click", score);
    examples.forEach(function (example) {
      example.addEventListener("click", function () {
        byId("p3-text-1").value = example.dataset.boy;
        byId("p3-text-2").value = example.dataset.girl;
        score();
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
