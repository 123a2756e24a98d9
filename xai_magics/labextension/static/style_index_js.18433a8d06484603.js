"use strict";(self.rspackChunkxai_magics=self.rspackChunkxai_magics||[]).push([["style_index_js"],{"./node_modules/css-loader/dist/cjs.js!./style/base.css"(e,t,o){var r=o("./node_modules/css-loader/dist/runtime/noSourceMaps.js"),n=o.n(r),s=o("./node_modules/css-loader/dist/runtime/api.js"),a=(o.n(s))()(n());a.push([e.id,`/* %%grok cells: the magic line reads as a command, {name} placeholders stand out from the prose. */
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
`,""]),o.d(t,{},{A:a})},"./node_modules/css-loader/dist/runtime/api.js"(e){e.exports=function(e){var t=[];return t.toString=function(){return this.map(function(t){var o="",r=void 0!==t[5];return t[4]&&(o+="@supports (".concat(t[4],") {")),t[2]&&(o+="@media ".concat(t[2]," {")),r&&(o+="@layer".concat(t[5].length>0?" ".concat(t[5]):""," {")),o+=e(t),r&&(o+="}"),t[2]&&(o+="}"),t[4]&&(o+="}"),o}).join("")},t.i=function(e,o,r,n,s){"string"==typeof e&&(e=[[null,e,void 0]]);var a={};if(r)for(var i=0;i<this.length;i++){var l=this[i][0];null!=l&&(a[l]=!0)}for(var c=0;c<e.length;c++){var d=[].concat(e[c]);r&&a[d[0]]||(void 0!==s&&(void 0===d[5]||(d[1]="@layer".concat(d[5].length>0?" ".concat(d[5]):""," {").concat(d[1],"}")),d[5]=s),o&&(d[2]&&(d[1]="@media ".concat(d[2]," {").concat(d[1],"}")),d[2]=o),n&&(d[4]?(d[1]="@supports (".concat(d[4],") {").concat(d[1],"}"),d[4]=n):d[4]="".concat(n)),t.push(d))}},t}},"./node_modules/css-loader/dist/runtime/noSourceMaps.js"(e){e.exports=function(e){return e[1]}},"./node_modules/style-loader/dist/runtime/injectStylesIntoStyleTag.js"(e){var t=[];function o(e){for(var o=-1,r=0;r<t.length;r++)if(t[r].identifier===e){o=r;break}return o}function r(e,r){for(var n={},s=[],a=0;a<e.length;a++){var i=e[a],l=r.base?i[0]+r.base:i[0],c=n[l]||0,d="".concat(l," ").concat(c);n[l]=c+1;var u=o(d),m={css:i[1],media:i[2],sourceMap:i[3],supports:i[4],layer:i[5]};if(-1!==u)t[u].references++,t[u].updater(m);else{var p=function(e,t){var o=t.domAPI(t);return o.update(e),function(t){t?(t.css!==e.css||t.media!==e.media||t.sourceMap!==e.sourceMap||t.supports!==e.supports||t.layer!==e.layer)&&o.update(e=t):o.remove()}}(m,r);r.byIndex=a,t.splice(a,0,{identifier:d,updater:p,references:1})}s.push(d)}return s}e.exports=function(e,n){var s=r(e=e||[],n=n||{});return function(e){e=e||[];for(var a=0;a<s.length;a++){var i=o(s[a]);t[i].references--}for(var l=r(e,n),c=0;c<s.length;c++){var d=o(s[c]);0===t[d].references&&(t[d].updater(),t.splice(d,1))}s=l}}},"./node_modules/style-loader/dist/runtime/insertBySelector.js"(e){var t={};e.exports=function(e,o){var r=function(e){if(void 0===t[e]){var o=document.querySelector(e);if(window.HTMLIFrameElement&&o instanceof window.HTMLIFrameElement)try{o=o.contentDocument.head}catch(e){o=null}t[e]=o}return t[e]}(e);if(!r)throw Error("Couldn't find a style target. This probably means that the value for the 'insert' parameter is invalid.");r.appendChild(o)}},"./node_modules/style-loader/dist/runtime/insertStyleElement.js"(e){e.exports=function(e){var t=document.createElement("style");return e.setAttributes(t,e.attributes),e.insert(t,e.options),t}},"./node_modules/style-loader/dist/runtime/setAttributesWithoutAttributes.js"(e,t,o){e.exports=function(e){var t=o.nc;t&&e.setAttribute("nonce",t)}},"./node_modules/style-loader/dist/runtime/styleDomAPI.js"(e){e.exports=function(e){if("u"<typeof document)return{update:function(){},remove:function(){}};var t=e.insertStyleElement(e);return{update:function(o){var r,n,s;r="",o.supports&&(r+="@supports (".concat(o.supports,") {")),o.media&&(r+="@media ".concat(o.media," {")),(n=void 0!==o.layer)&&(r+="@layer".concat(o.layer.length>0?" ".concat(o.layer):""," {")),r+=o.css,n&&(r+="}"),o.media&&(r+="}"),o.supports&&(r+="}"),(s=o.sourceMap)&&"u">typeof btoa&&(r+="\n/*# sourceMappingURL=data:application/json;base64,".concat(btoa(unescape(encodeURIComponent(JSON.stringify(s))))," */")),e.styleTagTransform(r,t,e.options)},remove:function(){var e;null===(e=t).parentNode||e.parentNode.removeChild(e)}}}},"./node_modules/style-loader/dist/runtime/styleTagTransform.js"(e){e.exports=function(e,t){if(t.styleSheet)t.styleSheet.cssText=e;else{for(;t.firstChild;)t.removeChild(t.firstChild);t.appendChild(document.createTextNode(e))}}},"./style/index.js"(e,t,o){var r=o("./node_modules/style-loader/dist/runtime/injectStylesIntoStyleTag.js"),n=o.n(r),s=o("./node_modules/style-loader/dist/runtime/styleDomAPI.js"),a=o.n(s),i=o("./node_modules/style-loader/dist/runtime/insertBySelector.js"),l=o.n(i),c=o("./node_modules/style-loader/dist/runtime/setAttributesWithoutAttributes.js"),d=o.n(c),u=o("./node_modules/style-loader/dist/runtime/insertStyleElement.js"),m=o.n(u),p=o("./node_modules/style-loader/dist/runtime/styleTagTransform.js"),f=o.n(p),y=o("./node_modules/css-loader/dist/cjs.js!./style/base.css"),g={};g.styleTagTransform=f(),g.setAttributes=d(),g.insert=l().bind(null,"head"),g.domAPI=a(),g.insertStyleElement=m(),n()(y.A,g),y.A&&y.A.locals&&y.A.locals}}]);