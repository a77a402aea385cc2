import t from 'tap';
import { seedRange } from './seed-range.js';

seedRange(t, 1000, 1000);
