"use strict";(self.rspackChunkxai_magics=self.rspackChunkxai_magics||[]).push([["style_index_js"],{"./node_modules/css-loader/dist/cjs.js!./style/base.css"(e,o,t){var r=t("./node_modules/css-loader/dist/runtime/noSourceMaps.js"),n=t.n(r),i=t("./node_modules/css-loader/dist/runtime/api.js"),s=(t.n(i))()(n());s.push([e.id,`/* %%grok cells: the magic line reads as a command, {name} placeholders stand out from the prose. */
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

/* A copy button at the top right of each answer's code block; the code scrolls under it. */
.xai-CodeBlock {
  position: relative;
}

.xai-CodeBlock-copy.jp-Button {
  position: absolute;
  top: 4px;
  right: 4px;
  min-height: 20px;
  padding: 1px 8px;
  font-size: var(--jp-ui-font-size0);
  color: var(--jp-ui-font-color1);
  background-color: var(--jp-layout-color1);
  border: 1px solid var(--jp-border-color1);
  border-radius: var(--jp-border-radius, 2px);
  opacity: 0.7;
  cursor: pointer;
}

.xai-CodeBlock:hover .xai-CodeBlock-copy.jp-Button,
.xai-CodeBlock-copy.jp-Button:focus-visible {
  opacity: 1;
}
`,""]),t.d(o,{},{A:s})},"./node_modules/css-loader/dist/runtime/api.js"(e){e.exports=function(e){var o=[];return o.toString=function(){return this.map(function(o){var t="",r=void 0!==o[5];return o[4]&&(t+="@supports (".concat(o[4],") {")),o[2]&&(t+="@media ".concat(o[2]," {")),r&&(t+="@layer".concat(o[5].length>0?" ".concat(o[5]):""," {")),t+=e(o),r&&(t+="}"),o[2]&&(t+="}"),o[4]&&(t+="}"),t}).join("")},o.i=function(e,t,r,n,i){"string"==typeof e&&(e=[[null,e,void 0]]);var s={};if(r)for(var a=0;a<this.length;a++){var l=this[a][0];null!=l&&(s[l]=!0)}for(var c=0;c<e.length;c++){var d=[].concat(e[c]);r&&s[d[0]]||(void 0!==i&&(void 0===d[5]||(d[1]="@layer".concat(d[5].length>0?" ".concat(d[5]):""," {").concat(d[1],"}")),d[5]=i),t&&(d[2]&&(d[1]="@media ".concat(d[2]," {").concat(d[1],"}")),d[2]=t),n&&(d[4]?(d[1]="@supports (".concat(d[4],") {").concat(d[1],"}"),d[4]=n):d[4]="".concat(n)),o.push(d))}},o}},"./node_modules/css-loader/dist/runtime/noSourceMaps.js"(e){e.exports=function(e){return e[1]}},"./node_modules/style-loader/dist/runtime/injectStylesIntoStyleTag.js"(e){var o=[];function t(e){for(var t=-1,r=0;r<o.length;r++)if(o[r].identifier===e){t=r;break}return t}function r(e,r){for(var n={},i=[],s=0;s<e.length;s++){var a=e[s],l=r.base?a[0]+r.base:a[0],c=n[l]||0,d="".concat(l," ").concat(c);n[l]=c+1;var u=t(d),p={css:a[1],media:a[2],sourceMap:a[3],supports:a[4],layer:a[5]};if(-1!==u)o[u].references++,o[u].updater(p);else{var m=function(e,o){var t=o.domAPI(o);return t.update(e),function(o){o?(o.css!==e.css||o.media!==e.media||o.sourceMap!==e.sourceMap||o.supports!==e.supports||o.layer!==e.layer)&&t.update(e=o):t.remove()}}(p,r);r.byIndex=s,o.splice(s,0,{identifier:d,updater:m,references:1})}i.push(d)}return i}e.exports=function(e,n){var i=r(e=e||[],n=n||{});return function(e){e=e||[];for(var s=0;s<i.length;s++){var a=t(i[s]);o[a].references--}for(var l=r(e,n),c=0;c<i.length;c++){var d=t(i[c]);0===o[d].references&&(o[d].updater(),o.splice(d,1))}i=l}}},"./node_modules/style-loader/dist/runtime/insertBySelector.js"(e){var o={};e.exports=function(e,t){var r=function(e){if(void 0===o[e]){var t=document.querySelector(e);if(window.HTMLIFrameElement&&t instanceof window.HTMLIFrameElement)try{t=t.contentDocument.head}catch(e){t=null}o[e]=t}return o[e]}(e);if(!r)throw Error("Couldn't find a style target. This probably means that the value for the 'insert' parameter is invalid.");r.appendChild(t)}},"./node_modules/style-loader/dist/runtime/insertStyleElement.js"(e){e.exports=function(e){var o=document.createElement("style");return e.setAttributes(o,e.attributes),e.insert(o,e.options),o}},"./node_modules/style-loader/dist/runtime/setAttributesWithoutAttributes.js"(e,o,t){e.exports=function(e){var o=t.nc;o&&e.setAttribute("nonce",o)}},"./node_modules/style-loader/dist/runtime/styleDomAPI.js"(e){e.exports=function(e){if("u"<typeof document)return{update:function(){},remove:function(){}};var o=e.insertStyleElement(e);return{update:function(t){var r,n,i;r="",t.supports&&(r+="@supports (".concat(t.supports,") {")),t.media&&(r+="@media ".concat(t.media," {")),(n=void 0!==t.layer)&&(r+="@layer".concat(t.layer.length>0?" ".concat(t.layer):""," {")),r+=t.css,n&&(r+="}"),t.media&&(r+="}"),t.supports&&(r+="}"),(i=t.sourceMap)&&"u">typeof btoa&&(r+="\n/*# sourceMappingURL=data:application/json;base64,".concat(btoa(unescape(encodeURIComponent(JSON.stringify(i))))," */")),e.styleTagTransform(r,o,e.options)},remove:function(){var e;null===(e=o).parentNode||e.parentNode.removeChild(e)}}}},"./node_modules/style-loader/dist/runtime/styleTagTransform.js"(e){e.exports=function(e,o){if(o.styleSheet)o.styleSheet.cssText=e;else{for(;o.firstChild;)o.removeChild(o.firstChild);o.appendChild(document.createTextNode(e))}}},"./style/index.js"(e,o,t){var r=t("./node_modules/style-loader/dist/runtime/injectStylesIntoStyleTag.js"),n=t.n(r),i=t("./node_modules/style-loader/dist/runtime/styleDomAPI.js"),s=t.n(i),a=t("./node_modules/style-loader/dist/runtime/insertBySelector.js"),l=t.n(a),c=t("./node_modules/style-loader/dist/runtime/setAttributesWithoutAttributes.js"),d=t.n(c),u=t("./node_modules/style-loader/dist/runtime/insertStyleElement.js"),p=t.n(u),m=t("./node_modules/style-loader/dist/runtime/styleTagTransform.js"),f=t.n(m),h=t("./node_modules/css-loader/dist/cjs.js!./style/base.css"),v={};v.styleTagTransform=f(),v.setAttributes=d(),v.insert=l().bind(null,"head"),v.domAPI=s(),v.insertStyleElement=p(),n()(h.A,v),h.A&&h.A.locals&&h.A.locals}}]);