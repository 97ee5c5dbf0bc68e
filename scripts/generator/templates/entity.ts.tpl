import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** 'created', then 'processed' once the {{name}}.process subscription has handled its {{eventType}}. */
export type {{Item}}Status = 'created' | 'processed';

@Entity('{{table}}')
export class {{Item}} {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 20 })
  status: {{Item}}Status;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}

export const {{ITEM}}_STREAM_PREFIX = '{{item}}-';

/** The event stream that records {{aItem}}'s history. */
export function {{itemCamel}}StreamId({{itemCamel}}Id: string): string {
  return `${{{ITEM}}_STREAM_PREFIX}${{{itemCamel}}Id}`;
}
