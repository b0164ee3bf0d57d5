/**
 * corosync.conf support: parse the file, map it to ts-ha ClusterOptions, pick the
 * local node. Typical use: `const { options, warnings } = loadConfigFile('/etc/corosync/corosync.conf')`.
 */
export { parseConfText, type ConfItem, type ConfKey, type ConfSection, type ConfigWarning, type ParseOptions } from './conf-parser.js'
export { configFromConf, type ParsedConfig } from './conf-to-options.js'
export { deriveNodeId } from './conf-nodelist.js'
export { clusterMcastAddr } from './conf-totem.js'
export { localNodeId, loadConfigFile, type InterfaceMap, type LoadedConfig } from './local-node.js'
