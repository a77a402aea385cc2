export { BerReader } from './reader.js';
export { BerWriter, lengthSize, putLength, intSize, putInt } from './writer.js';
export { frameLength, declaredFrameLength } from './frame.js';
export { TAG } from './tags.js';
