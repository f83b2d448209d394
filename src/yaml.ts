// The lazy YAML loader lives in the core (front matter needs it); kept here for the modules outside it.
export { yaml } from './core/yaml.js';
