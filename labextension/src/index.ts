/**
 * xai-magics in JupyterLab: what only the front end can do for the `%%grok` magics.
 */

import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, ISessionContext, IThemeManager } from '@jupyterlab/apputils';
import {
  CodeMirrorEditor,
  EditorExtensionRegistry,
  IEditorExtensionRegistry,
  IEditorLanguageRegistry
} from '@jupyterlab/codemirror';
import { IConsoleTracker } from '@jupyterlab/console';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { addAskAboutErrorCommand, ASK_ABOUT_ERROR } from './askAboutError';
import { watchCodeBlocks } from './codeCopy';
import { ErrorButtons } from './errorButtons';
import { GrokCellHighlighter } from './grokCells';
import { adoptLiveAnswers } from './liveAdopt';
import { foldLiveViews } from './liveFold';
import { lendTypesetter, warmTypesetter } from './liveMath';
import { StatusFeed } from './statusFeed';
import { StatusItem } from './statusItem';

const PLUGIN_ID = 'xai-magics:plugin';

interface ISettings {
  highlightGrokCells: boolean;
  askAboutErrors: boolean;
  showStatusItem: boolean;
}

const DEFAULT_SETTINGS: ISettings = {
  highlightGrokCells: true,
  askAboutErrors: true,
  showStatusItem: true
};

function readSettings(settings: ISettingRegistry.ISettings): ISettings {
  const flag = (key: keyof ISettings) => {
    const value = settings.composite[key];
    return typeof value === 'boolean' ? value : DEFAULT_SETTINGS[key];
  };
  return {
    highlightGrokCells: flag('highlightGrokCells'),
    askAboutErrors: flag('askAboutErrors'),
    showStatusItem: flag('showStatusItem')
  };
}

/** Hand the Markdown language to the highlighter once JupyterLab has loaded it. */
async function loadMarkdown(
  languages: IEditorLanguageRegistry,
  highlighter: GrokCellHighlighter
): Promise<boolean> {
  const markdown =
    languages.findByMIME('text/x-ipythongfm') ?? languages.findBest('markdown');
  const loaded = markdown ? await languages.getLanguage(markdown) : null;
  if (!loaded?.support) {
    return false;
  }
  highlighter.setMarkdown(loaded.support);
  return true;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Highlights %%grok cells, asks Grok about errors and shows the session spend.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [
    IEditorExtensionRegistry,
    IEditorLanguageRegistry,
    ICommandPalette,
    IStatusBar,
    IConsoleTracker,
    ILabShell,
    ISettingRegistry,
    IRenderMimeRegistry,
    IThemeManager
  ],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    editorExtensions: IEditorExtensionRegistry | null,
    languages: IEditorLanguageRegistry | null,
    palette: ICommandPalette | null,
    statusBar: IStatusBar | null,
    consoles: IConsoleTracker | null,
    labShell: ILabShell | null,
    settingRegistry: ISettingRegistry | null,
    rendermime: IRenderMimeRegistry | null,
    themes: IThemeManager | null
  ) => {
    let current: ISettings = { ...DEFAULT_SETTINGS };

    const highlighter = new GrokCellHighlighter();
    const refreshEditors = () => {
      notebooks.forEach(panel => {
        for (const cell of panel.content.widgets) {
          const editor = cell.editor;
          if (editor instanceof CodeMirrorEditor) {
            GrokCellHighlighter.refresh(editor.editor);
          }
        }
      });
    };
    if (editorExtensions) {
      editorExtensions.addExtension({
        name: 'xai-magics:grok-cells',
        factory: options =>
          options.inline
            ? EditorExtensionRegistry.createImmutableExtension(
                highlighter.extension(options.model.sharedModel.getSource())
              )
            : null
      });
      if (languages) {
        void loadMarkdown(languages, highlighter).then(loaded => {
          if (loaded) {
            refreshEditors();
          }
        });
      }
    }

    lendTypesetter(notebooks);
    if (rendermime) {
      adoptLiveAnswers(rendermime, themes);
    }
    warmTypesetter();
    foldLiveViews(app, notebooks, settingRegistry).catch(reason => {
      console.warn('xai-magics: long live answers will not fold as Notebook 7 folds', reason);
    });

    addAskAboutErrorCommand(app.commands, notebooks, () => current.askAboutErrors);
    palette?.addItem({ command: ASK_ABOUT_ERROR, category: 'Notebook Cell Operations' });
    const errorButtons = new ErrorButtons(notebooks, () => current.askAboutErrors);

    const watchPanel = (panel: Widget) => {
      const observer = watchCodeBlocks(panel.node);
      panel.disposed.connect(() => observer.disconnect());
    };
    notebooks.widgetAdded.connect((_, panel) => watchPanel(panel));
    notebooks.forEach(watchPanel);
    consoles?.widgetAdded.connect((_, panel) => watchPanel(panel));
    consoles?.forEach(watchPanel);

    const feed = new StatusFeed();
    notebooks.widgetAdded.connect((_, panel) => feed.watch(panel.sessionContext));
    notebooks.forEach(panel => feed.watch(panel.sessionContext));
    consoles?.widgetAdded.connect((_, panel) => feed.watch(panel.sessionContext));
    consoles?.forEach(panel => feed.watch(panel.sessionContext));

    let renderStatus = () => {};
    if (statusBar) {
      const item = new StatusItem();
      const sessionOf = (widget: Widget | null): ISessionContext | undefined => {
        const notebook = notebooks.find(panel => panel === widget);
        const console = consoles?.find(panel => panel === widget);
        return (notebook ?? console ?? notebooks.currentWidget)?.sessionContext;
      };
      const currentKernelId = () =>
        sessionOf(labShell?.currentWidget ?? null)?.session?.kernel?.id;
      const activeStateChanged = new Signal<StatusItem, void>(item);
      statusBar.registerStatusItem(`${PLUGIN_ID}:status`, {
        item,
        align: 'left',
        rank: 4,
        isActive: () => current.showStatusItem && feed.snapshot(currentKernelId()) !== undefined,
        activeStateChanged
      });
      renderStatus = () => {
        item.render(feed.snapshot(currentKernelId()));
        activeStateChanged.emit();
      };
      feed.changed.connect(renderStatus);
      labShell?.currentChanged.connect(renderStatus);
      notebooks.currentChanged.connect(renderStatus);
      renderStatus();
    }

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          const apply = () => {
            current = readSettings(settings);
            highlighter.enabled = current.highlightGrokCells;
            refreshEditors();
            app.commands.notifyCommandChanged(ASK_ABOUT_ERROR);
            errorButtons.refresh();
            renderStatus();
          };
          settings.changed.connect(apply);
          apply();
        })
        .catch(reason => {
          console.error('xai-magics: could not load settings, using the defaults', reason);
        });
    }
  }
};

export default plugin;
