// Module and chunk ids named by path relative to this folder, instead of hashes that depend on
// where the checkout lives: a rebuild anywhere reproduces the committed assets byte for byte.
module.exports = {
  optimization: {
    moduleIds: 'named',
    chunkIds: 'named'
  }
};
