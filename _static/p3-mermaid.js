// Draw every <pre class="mermaid"> with the mermaid.min.js shipped beside this file (no CDN).
window.addEventListener("load", function () {
  if (window.mermaid) {
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
    window.mermaid.run({ querySelector: "pre.mermaid" });
  }
});
