export * from './model';
export * from './policy';
export * from './service';
