import { render } from 'preact';
import { App } from './App.tsx';
import { startLive } from './live/events.ts';
import { startTitle } from './title.ts';
import './styles.css';

startTitle();
startLive();
render(<App />, document.getElementById('app')!);
