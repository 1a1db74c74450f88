export { InventoryService } from './InventoryService';
export type {
  AllowedChoices,
  GuestOwners,
  InventoryServiceOptions,
  OptionsQuery,
  Placement,
  PlacementWish,
  ResolvedTemplate,
} from './InventoryService';
