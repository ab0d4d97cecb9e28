// CommonJS on purpose: jest 29 loads globalSetup with require(), which cannot load an ES module that uses
// top-level await (as lab/lab.mjs does for its CLI); a dynamic import() can.
module.exports = async function globalSetup() {
  const { default: setup } = await import('../lab/jest-global-setup.mjs')
  await setup()
}
