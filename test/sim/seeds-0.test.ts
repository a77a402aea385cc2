import t from 'tap';
import { seedRange } from './seed-range.js';

seedRange(t, 0, 1000);
