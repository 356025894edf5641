// Merges the fault rows this run recorded (test/support/reliability.ts) into docs/reliability.md.
const { writeReliabilityDoc } = require('../../scripts/reliability-doc');

module.exports = async () => {
  writeReliabilityDoc();
};
