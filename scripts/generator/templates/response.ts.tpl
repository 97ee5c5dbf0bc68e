import { ApiProperty } from '@nestjs/swagger';
import type { {{Item}}, {{Item}}Status } from '../../data/{{item}}.entity.js';

export class {{Item}}Response {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty({
    enum: ['created', 'processed'],
    description: 'processed once the {{name}}.process subscription has handled it',
  })
  status: {{Item}}Status;

  @ApiProperty()
  created_at: string;

  static from(row: {{Item}}): {{Item}}Response {
    return {
      id: row.id,
      name: row.name,
      status: row.status,
      created_at: new Date(row.createdAt).toISOString(),
    };
  }
}
