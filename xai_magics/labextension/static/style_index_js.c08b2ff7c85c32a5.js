"use strict";(self.rspackChunkxai_magics=self.rspackChunkxai_magics||[]).push([["style_index_js"],{"./node_modules/css-loader/dist/cjs.js!./style/base.css"(e,t,o){var r=o("./node_modules/css-loader/dist/runtime/noSourceMaps.js"),n=o.n(r),s=o("./node_modules/css-loader/dist/runtime/api.js"),i=(o.n(s))()(n());i.push([e.id,`/* %%grok cells: the magic line reads as a command, {name} placeholders stand out from the prose. */
.xai-grok-cell .xai-grok-magic-line {
  color: var(--jp-mirror-editor-keyword-color);
  font-weight: bold;
}

.xai-grok-cell .xai-grok-placeholder {
  color: var(--jp-mirror-editor-variable-2-color);
  background-color: var(--jp-layout-color2);
  border-radius: 2px;
  font-weight: bold;
}

.jp-xai-StatusItem {
  padding: 0 4px;
  white-space: nowrap;
}

/* 80% or more of a budget spent: the theme's warning colour, so it reads in light and dark. */
.jp-xai-StatusItem.jp-xai-StatusItem-warning {
  color: var(--jp-warn-color0);
  font-weight: bold;
}

/* One-line grok magics in code cells: magic, options and prompt, not Python tokens. */
.cm-line .xai-grok-line-magic,
.cm-line .xai-grok-line-magic * {
  color: var(--jp-mirror-editor-keyword-color);
  font-weight: bold;
}

.cm-line .xai-grok-line-option,
.cm-line .xai-grok-line-option * {
  color: var(--jp-mirror-editor-attribute-color);
  font-weight: normal;
}

.cm-line .xai-grok-line-prompt,
.cm-line .xai-grok-line-prompt * {
  color: var(--jp-content-font-color1);
  font-weight: normal;
}

/* "Ask Grok about this error" under each error output: its own line, aligned with the output. */
.jp-OutputArea-child.xai-AskError-host {
  flex-wrap: wrap;
}

.xai-AskError {
  flex: 0 0 100%;
  padding: 2px 0 6px calc(var(--jp-cell-prompt-width, 64px) + 4px);
  box-sizing: border-box;
}

.xai-AskError-button.jp-Button {
  display: inline-flex;
  align-items: center;
  gap: 6px;
  padding: 2px 10px 2px 6px;
  min-height: 24px;
  font-size: var(--jp-ui-font-size1);
  color: var(--jp-ui-font-color1);
  background-color: var(--jp-layout-color2);
  border: 1px solid var(--jp-border-color1);
  border-radius: var(--jp-border-radius, 2px);
  cursor: pointer;
}

.xai-AskError-button.jp-Button:hover {
  background-color: var(--jp-layout-color3);
}

.xai-AskError-button.jp-Button:focus-visible {
  outline: 1px solid var(--jp-brand-color1);
}

.xai-AskError-icon svg {
  display: block;
  width: 16px;
  height: 16px;
}
`,""]),o.d(t,{},{A:i})},"./node_modules/css-loader/dist/runtime/api.js"(e){e.exports=function(e){var t=[];return t.toString=function(){return this.map(function(t){var o="",r=void 0!==t[5];return t[4]&&(o+="@supports (".concat(t[4],") {")),t[2]&&(o+="@media ".concat(t[2]," {")),r&&(o+="@layer".concat(t[5].length>0?" ".concat(t[5]):""," {")),o+=e(t),r&&(o+="}"),t[2]&&(o+="}"),t[4]&&(o+="}"),o}).join("")},t.i=function(e,o,r,n,s){"string"==typeof e&&(e=[[null,e,void 0]]);var i={};if(r)for(var a=0;a<this.length;a++){var l=this[a][0];null!=l&&(i[l]=!0)}for(var d=0;d<e.length;d++){var c=[].concat(e[d]);r&&i[c[0]]||(void 0!==s&&(void 0===c[5]||(c[1]="@layer".concat(c[5].length>0?" ".concat(c[5]):""," {").concat(c[1],"}")),c[5]=s),o&&(c[2]&&(c[1]="@media ".concat(c[2]," {").concat(c[1],"}")),c[2]=o),n&&(c[4]?(c[1]="@supports (".concat(c[4],") {").concat(c[1],"}"),c[4]=n):c[4]="".concat(n)),t.push(c))}},t}},"./node_modules/css-loader/dist/runtime/noSourceMaps.js"(e){e.exports=function(e){return e[1]}},"./node_modules/style-loader/dist/runtime/injectStylesIntoStyleTag.js"(e){var t=[];function o(e){for(var o=-1,r=0;r<t.length;r++)if(t[r].identifier===e){o=r;break}return o}function r(e,r){for(var n={},s=[],i=0;i<e.length;i++){var a=e[i],l=r.base?a[0]+r.base:a[0],d=n[l]||0,c="".concat(l," ").concat(d);n[l]=d+1;var u=o(c),p={css:a[1],media:a[2],sourceMap:a[3],supports:a[4],layer:a[5]};if(-1!==u)t[u].references++,t[u].updater(p);else{var m=function(e,t){var o=t.domAPI(t);return o.update(e),function(t){t?(t.css!==e.css||t.media!==e.media||t.sourceMap!==e.sourceMap||t.supports!==e.supports||t.layer!==e.layer)&&o.update(e=t):o.remove()}}(p,r);r.byIndex=i,t.splice(i,0,{identifier:c,updater:m,references:1})}s.push(c)}return s}e.exports=function(e,n){var s=r(e=e||[],n=n||{});return function(e){e=e||[];for(var i=0;i<s.length;i++){var a=o(s[i]);t[a].references--}for(var l=r(e,n),d=0;d<s.length;d++){var c=o(s[d]);0===t[c].references&&(t[c].updater(),t.splice(c,1))}s=l}}},"./node_modules/style-loader/dist/runtime/insertBySelector.js"(e){var t={};e.exports=function(e,o){var r=function(e){if(void 0===t[e]){var o=document.querySelector(e);if(window.HTMLIFrameElement&&o instanceof window.HTMLIFrameElement)try{o=o.contentDocument.head}catch(e){o=null}t[e]=o}return t[e]}(e);if(!r)throw Error("Couldn't find a style target. This probably means that the value for the 'insert' parameter is invalid.");r.appendChild(o)}},"./node_modules/style-loader/dist/runtime/insertStyleElement.js"(e){e.exports=function(e){var t=document.createElement("style");return e.setAttributes(t,e.attributes),e.insert(t,e.options),t}},"./node_modules/style-loader/dist/runtime/setAttributesWithoutAttributes.js"(e,t,o){e.exports=function(e){var t=o.nc;t&&e.setAttribute("nonce",t)}},"./node_modules/style-loader/dist/runtime/styleDomAPI.js"(e){e.exports=function(e){if("u"<typeof document)return{update:function(){},remove:function(){}};var t=e.insertStyleElement(e);return{update:function(o){var r,n,s;r="",o.supports&&(r+="@supports (".concat(o.supports,") {")),o.media&&(r+="@media ".concat(o.media," {")),(n=void 0!==o.layer)&&(r+="@layer".concat(o.layer.length>0?" ".concat(o.layer):""," {")),r+=o.css,n&&(r+="}"),o.media&&(r+="}"),o.supports&&(r+="}"),(s=o.sourceMap)&&"u">typeof btoa&&(r+="\n/*# sourceMappingURL=data:application/json;base64,".concat(btoa(unescape(encodeURIComponent(JSON.stringify(s))))," */")),e.styleTagTransform(r,t,e.options)},remove:function(){var e;null===(e=t).parentNode||e.parentNode.removeChild(e)}}}},"./node_modules/style-loader/dist/runtime/styleTagTransform.js"(e){e.exports=function(e,t){if(t.styleSheet)t.styleSheet.cssText=e;else{for(;t.firstChild;)t.removeChild(t.firstChild);t.appendChild(document.createTextNode(e))}}},"./style/index.js"(e,t,o){var r=o("./node_modules/style-loader/dist/runtime/injectStylesIntoStyleTag.js"),n=o.n(r),s=o("./node_modules/style-loader/dist/runtime/styleDomAPI.js"),i=o.n(s),a=o("./node_modules/style-loader/dist/runtime/insertBySelector.js"),l=o.n(a),d=o("./node_modules/style-loader/dist/runtime/setAttributesWithoutAttributes.js"),c=o.n(d),u=o("./node_modules/style-loader/dist/runtime/insertStyleElement.js"),p=o.n(u),m=o("./node_modules/style-loader/dist/runtime/styleTagTransform.js"),f=o.n(m),h=o("./node_modules/css-loader/dist/cjs.js!./style/base.css"),g={};g.styleTagTransform=f(),g.setAttributes=c(),g.insert=l().bind(null,"head"),g.domAPI=i(),g.insertStyleElement=p(),n()(h.A,g),h.A&&h.A.locals&&h.A.locals}}]);